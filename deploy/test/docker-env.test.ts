/**
 * `npm run env:docker`: the one documented command that makes docker/.env. Run through npm, as a
 * user would, so npm's own banner could not slip into the file (it did with `npm run
 * keys:internal > docker/.env`).
 */
import { spawnSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, subgraphs } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'tg-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = (...args: string[]) =>
  spawnSync('npm', ['run', 'env:docker', '--', ...args], { cwd: repoRoot, encoding: 'utf8' });

describe('npm run env:docker', () => {
  const out = join(dir, 'docker.env');
  const first = run('--out', out);

  it('writes only comments and KEY=value lines, readable by its owner only', () => {
    expect(first.status, first.stderr).toBe(0);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    for (const line of lines)
      expect(line, 'no npm banner or blank noise').toMatch(/^(#.*|[A-Z][A-Z0-9_]*=\S+)$/);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const env = Object.fromEntries(
      lines
        .filter((l) => !l.startsWith('#'))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    for (const s of subgraphs) expect(env[`DB_PASSWORD_${s.name.toUpperCase()}`]).toMatch(/^[a-f0-9]{48}$/);
    expect(env.KEY_ENCRYPTION_SECRET).toMatch(/^[a-f0-9]{64}$/);
    // the two halves of one internal-token key pair
    const privateKey = createPrivateKey(Buffer.from(env.INTERNAL_TOKEN_PRIVATE_KEY!, 'base64').toString());
    const publicKey = createPublicKey(Buffer.from(env.INTERNAL_TOKEN_PUBLIC_KEY!, 'base64').toString());
    expect(verify(null, Buffer.from('x'), publicKey, sign(null, Buffer.from('x'), privateKey))).toBe(true);
  });

  it('keeps an existing file unless --force, and then writes new secrets', () => {
    const before = readFileSync(out, 'utf8');
    const again = run('--out', out);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('exists; kept');
    expect(readFileSync(out, 'utf8')).toBe(before);
    expect(run('--out', out, '--force').status).toBe(0);
    expect(readFileSync(out, 'utf8')).not.toBe(before);
  });
});
