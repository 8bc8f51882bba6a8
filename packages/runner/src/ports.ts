import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';

/** A port something already listens on, and the process holding it when this machine can tell. */
export interface BusyPort {
  port: number;
  holder?: { pid: number; command: string };
}

/** Whether something accepts connections on 127.0.0.1:`port` (a connection, not a bind: nothing is disturbed). */
function listening(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Socket inodes of the listening TCP sockets by local port, from /proc/net/tcp{,6} (Linux; empty elsewhere). */
function listeningInodes(): Map<number, string> {
  const out = new Map<number, string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is HEX_IP:HEX_PORT, st 0A is LISTEN, the inode is the 10th column
      if (cols.length < 10 || cols[3] !== '0A') continue;
      const port = Number.parseInt(cols[1]!.split(':')[1]!, 16);
      out.set(port, cols[9]!);
    }
  }
  return out;
}

/** The processes owning those socket inodes (only processes this user may inspect). */
function ownersOf(inodes: Set<string>): Map<string, { pid: number; command: string }> {
  const owners = new Map<string, { pid: number; command: string }>();
  if (!inodes.size) return owners;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return owners;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (!inode || !inodes.has(inode) || owners.has(inode)) continue;
      let command = '';
      try {
        command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      } catch {
        // the process ended meanwhile
      }
      owners.set(inode, { pid: Number(pid), command });
    }
  }
  return owners;
}

/** The ports of `ports` that something already listens on, each with its holder when it can be found. */
export async function busyPorts(ports: readonly number[]): Promise<BusyPort[]> {
  const unique = [...new Set(ports)].sort((a, b) => a - b);
  const busy = (
    await Promise.all(unique.map(async (port) => ((await listening(port)) ? port : null)))
  ).filter((p): p is number => p !== null);
  if (!busy.length) return [];
  const inodes = listeningInodes();
  const owners = ownersOf(new Set(busy.map((p) => inodes.get(p)).filter((i): i is string => !!i)));
  return busy.map((port) => {
    const holder = owners.get(inodes.get(port) ?? '');
    return holder ? { port, holder } : { port };
  });
}

/** One line per busy port, e.g. `:4001 held by pid 4242 (node …/identity/src/main.ts)`. */
export function describeBusyPorts(busy: readonly BusyPort[], names: ReadonlyMap<number, string>): string {
  return busy
    .map(({ port, holder }) => {
      const what = names.get(port) ? ` (${names.get(port)})` : '';
      const who = holder
        ? `held by pid ${holder.pid}${holder.command ? `: ${holder.command.slice(0, 160)}` : ''}`
        : 'held by a process this user cannot inspect';
      return `  :${port}${what} ${who}`;
    })
    .join('\n');
}
