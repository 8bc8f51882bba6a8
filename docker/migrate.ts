/**
 * Applies one service's migrations and exits: its database, every recorded tenant database and
 * the event log's tables. The kernel migrates all of these when a service starts, so this starts
 * the service on a loopback ephemeral port and stops it at once; a release's migration Job
 * (deploy/k8s) and `docker compose run --rm <service> migrate` run it before the new version
 * takes traffic. Exit code 0: everything is up to date.
 *
 *   SERVICE=catalog docker/entrypoint.sh migrate      # in the image
 *   node docker/migrate.ts catalog                    # from a checkout (Node 24)
 */
import { discoverSubgraphs } from '../schema/subgraphs.ts';

const name = process.argv[2];
const known = discoverSubgraphs().map((s) => s.name);
if (!name || !known.includes(name)) {
  console.error(`usage: node docker/migrate.ts <service>; services: ${known.join(', ')}`);
  process.exit(2);
}

interface Started {
  stop(): Promise<void>;
}
const { start } = (await import(`../subgraphs/${name}/src/service.ts`)) as {
  start(env: Record<string, string | undefined>): Promise<Started>;
};

const began = performance.now();
try {
  // Loopback and port 0: a migration run never takes traffic nor collides with a running instance.
  const service = await start({ ...process.env, HOST: '127.0.0.1', PORT: '0' });
  await service.stop();
} catch (err) {
  console.error(`${name}: migration failed:`, err);
  process.exit(1);
}
console.log(`${name}: migrations applied in ${Math.round(performance.now() - began)} ms`);
process.exit(0);
