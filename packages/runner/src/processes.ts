import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const USER_HZ = 100;
const COLORS = [36, 35, 33, 32, 34, 91, 96, 95, 93];
const useColor = process.stdout.isTTY && !process.env.NO_COLOR;

/**
 * What the children may print. While `quiet`, their JSON lines below `warn`
 * (request logs, tenants provisioned) are counted instead of printed: the demo
 * seed makes hundreds of them before the banner. Warnings, errors and non-JSON
 * output (a crash, a configuration error) always show.
 */
export const childOutput = { quiet: false, hidden: 0 };

const CHATTY_LEVELS = new Set(['trace', 'debug', 'info', '10', '20', '30']);

function levelOf(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  const match = /"level":\s*"?(\w+)"?/.exec(line);
  return match?.[1];
}

/** Formats one JSON log line for a terminal; other lines pass through. */
function pretty(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const {
      level,
      time: _t,
      service: _s,
      msg,
      pid: _p,
      hostname: _h,
      ...rest
    } = JSON.parse(line) as Record<string, unknown>;
    const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
    return `${String(level).padEnd(5)} ${msg ?? ''}${extra}`;
  } catch {
    return line;
  }
}

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
}

/** Starts `script` on this Node with `env`, prefixing every output line with the process name. */
export function startProcess(
  name: string,
  script: string,
  env: Record<string, string>,
  index: number,
  raw = false,
): ManagedProcess {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const color = COLORS[index % COLORS.length];
  const prefix = useColor ? `\x1b[${color}m${name.padEnd(9)}|\x1b[0m ` : `${name.padEnd(9)}| `;
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      if (childOutput.quiet && CHATTY_LEVELS.has(levelOf(line) ?? '')) {
        childOutput.hidden++;
        return;
      }
      process.stdout.write(`${prefix}${raw ? line : pretty(line)}\n`);
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { name, child, exited };
}

/** Polls `url` until it answers 200 or the process exits or time runs out. */
export async function waitReady(p: ManagedProcess, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void p.exited.then(() => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${p.name} exited during start-up (see its log above)`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${p.name} was not ready at ${url} within ${timeoutMs / 1000}s`);
}

/** SIGTERM to every process, SIGKILL to those still running after `graceMs`. */
export async function stopAll(processes: ManagedProcess[], graceMs = 12_000): Promise<void> {
  const alive = processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
  for (const p of alive) p.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    for (const p of alive) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  }, graceMs);
  await Promise.all(alive.map((p) => p.exited));
  clearTimeout(timer);
}

/**
 * CPU seconds (user + system) process `pid` has used so far, from /proc/<pid>/stat
 * (Linux; undefined elsewhere or when the process is gone).
 */
export function cpuSecondsOf(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds used so far by `pid` and its running descendants (a router's cluster
 * workers, say): /proc/<pid>/task/<tid>/children, Linux only.
 */
export function treeCpuSecondsOf(pid: number | undefined): number | undefined {
  const own = cpuSecondsOf(pid);
  if (own === undefined || !pid) return own;
  let total = own;
  for (const child of childPidsOf(pid)) total += treeCpuSecondsOf(child) ?? 0;
  return total;
}

/** `pid` and its running descendants (Linux; just `pid` elsewhere). */
export function treePidsOf(pid: number): number[] {
  return [pid, ...childPidsOf(pid).flatMap(treePidsOf)];
}

function childPidsOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (text) out.push(...text.split(' ').map(Number));
    }
  } catch {
    // gone, or not Linux
  }
  return out;
}

/** Pids of running processes whose command name (/proc/<pid>/comm) is `comm` (Linux; empty elsewhere). */
export function pidsNamed(comm: string): number[] {
  const out: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) out.push(Number(entry));
    } catch {
      // gone
    }
  }
  return out;
}
