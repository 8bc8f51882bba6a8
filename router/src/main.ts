/**
 * The router's entry point (`npm start`, docker/entrypoint.sh, the benches).
 * First, before anything else is loaded, it makes sure the process runs with
 * the router's V8 settings (v8-flags.ts): V8 reads them only when the process
 * starts, so when one is missing the process re-executes itself in place with
 * it (process.execve: same pid, same arguments and environment, no second
 * process; skipped where execve is not available). Then start.ts starts the
 * router.
 */
import { missingV8Flags } from './v8-flags.ts';

const missing = missingV8Flags(process.execArgv, process.env.NODE_OPTIONS);
if (missing.length > 0 && typeof process.execve === 'function') {
  try {
    process.execve(
      process.execPath,
      [process.execPath, ...missing, ...process.execArgv, ...process.argv.slice(1)],
      process.env,
    );
  } catch (err) {
    console.warn(`router: running without ${missing.join(' ')} (${(err as Error).message})`);
  }
}
await import('./start.ts');
