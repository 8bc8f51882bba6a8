/**
 * The local mail catcher `npm start` runs: an SMTP listener on localhost that
 * accepts every message (no relay, no auth) and stores it as an .eml file,
 * and a small web page listing what arrived. The notifications subgraph's
 * default SMTP_URL points here, so demo mail never leaves the machine.
 *
 *   SMTP  smtp://127.0.0.1:2525   (MAIL_CATCHER_SMTP_PORT)
 *   web   http://localhost:4099/  (MAIL_CATCHER_HTTP_PORT)
 *   files .tradegraph/mail/*.eml  (open with any mail client)
 *
 * Just enough SMTP for nodemailer and other clients: EHLO/HELO, MAIL, RCPT,
 * DATA (dot-unstuffed), RSET, NOOP, QUIT; no STARTTLS, no AUTH.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';

export interface MailCatcher {
  smtpUrl: string;
  webUrl: string;
  dir: string;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

function handleSmtp(socket: Socket, dir: string): void {
  let buffer = '';
  let inData = false;
  let data: string[] = [];
  let from = '';
  let to: string[] = [];
  const reply = (line: string) => socket.write(`${line}\r\n`);
  reply('220 tradegraph-mail-catcher ESMTP');
  socket.setEncoding('utf8');
  socket.on('error', () => socket.destroy());
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    if (buffer.length > MAX_MESSAGE_BYTES) {
      reply('552 Message too large');
      socket.destroy();
      return;
    }
    let end = buffer.indexOf('\r\n');
    while (end !== -1) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (inData) {
        if (line === '.') {
          inData = false;
          const name = `${new Date().toISOString().replaceAll(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}.eml`;
          const envelope = `X-Envelope-From: <${from}>\r\nX-Envelope-To: ${to.map((t) => `<${t}>`).join(', ')}\r\n`;
          writeFileSync(join(dir, name), envelope + data.join('\r\n'));
          data = [];
          reply(`250 OK stored as ${name}`);
        } else {
          // dot-stuffing (RFC 5321 4.5.2)
          data.push(line.startsWith('.') ? line.slice(1) : line);
        }
      } else {
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') {
          reply('250-tradegraph-mail-catcher');
          reply('250-8BITMIME');
          reply('250-SMTPUTF8');
          reply(`250 SIZE ${MAX_MESSAGE_BYTES}`);
        } else if (verb === 'HELO') reply('250 tradegraph-mail-catcher');
        else if (verb === 'MAIL') {
          from = /<([^>]*)>/.exec(line)?.[1] ?? '';
          to = [];
          reply('250 OK');
        } else if (verb === 'RCPT') {
          to.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          reply('250 OK');
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 End data with <CR><LF>.<CR><LF>');
        } else if (verb === 'RSET') {
          from = '';
          to = [];
          reply('250 OK');
        } else if (verb === 'NOOP') reply('250 OK');
        else if (verb === 'QUIT') {
          reply('221 Bye');
          socket.end();
        } else reply('502 Command not implemented');
      }
      end = buffer.indexOf('\r\n');
    }
  });
}

/** Decodes RFC 2047 encoded words (=?UTF-8?B?…?= / ?Q?) for display. */
function decodeWords(value: string): string {
  return value.replaceAll(
    /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g,
    (_, _charset: string, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(
            text
              .replaceAll('_', ' ')
              .replaceAll(/=([0-9A-Fa-f]{2})/g, (_m, h: string) =>
                String.fromCharCode(Number.parseInt(h, 16)),
              ),
            'latin1',
          ).toString('utf8'),
  );
}

/** The message's headers (unfolded), lower-case names. */
export function headersOf(raw: string): Record<string, string> {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? '';
  const headers: Record<string, string> = {};
  for (const line of head.replaceAll(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = decodeWords(line.slice(colon + 1).trim());
  }
  return headers;
}

const esc = (v: string) =>
  v.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
const FILE = /^[\w.-]+\.eml$/;

function page(dir: string): string {
  const files = readdirSync(dir)
    .filter((f) => FILE.test(f))
    .sort()
    .reverse();
  const rows = files.map((f) => {
    const h = headersOf(readFileSync(join(dir, f), 'utf8'));
    return `<tr><td>${esc(h.date ?? '')}</td><td>${esc(h['x-envelope-to'] ?? h.to ?? '')}</td><td><a href="/mail/${esc(f)}">${esc(h.subject ?? '(no subject)')}</a></td><td>${esc(h['x-tradegraph-event-type'] ?? '')}</td></tr>`;
  });
  return `<!doctype html><html><head><meta charset="utf-8"><title>Tradegraph demo mail</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}td,th{padding:.3rem .8rem;text-align:left;border-bottom:1px solid #ddd}</style></head>
<body><h1>Demo mail (${files.length})</h1><p>Stored in <code>${esc(dir)}</code>; newest first.</p>
<table><tr><th>Date</th><th>To</th><th>Subject</th><th>Kind</th></tr>${rows.join('\n')}</table></body></html>`;
}

/** Starts the SMTP listener and the web page; messages go to `dir` (created). */
export async function startMailCatcher(
  opts: { dir: string; smtpPort?: number; httpPort?: number; host?: string } = { dir: '.tradegraph/mail' },
): Promise<MailCatcher> {
  const host = opts.host ?? '127.0.0.1';
  mkdirSync(opts.dir, { recursive: true });
  const smtp: Server = createServer((socket) => handleSmtp(socket, opts.dir));
  smtp.listen(opts.smtpPort ?? 2525, host);
  await once(smtp, 'listening');
  const web: HttpServer = createHttpServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page(opts.dir));
      return;
    }
    const file = path.startsWith('/mail/') ? path.slice('/mail/'.length) : '';
    // the name pattern keeps requests inside the folder (no `/`, no `..` segment)
    if (FILE.test(file) && existsSync(join(opts.dir, file))) {
      res
        .writeHead(200, { 'content-type': 'text/plain; charset=utf-8' })
        .end(readFileSync(join(opts.dir, file)));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  web.listen(opts.httpPort ?? 4099, host);
  try {
    await once(web, 'listening');
  } catch (err) {
    smtp.close();
    throw err;
  }
  const smtpPort = (smtp.address() as { port: number }).port;
  const httpPort = (web.address() as { port: number }).port;
  return {
    smtpUrl: `smtp://${host}:${smtpPort}`,
    webUrl: `http://localhost:${httpPort}/`,
    dir: opts.dir,
    close: async () => {
      await Promise.all([
        new Promise<void>((r) => smtp.close(() => r())),
        new Promise<void>((r) => web.close(() => r())),
      ]);
    },
  };
}
