import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headersOf, type MailCatcher, startMailCatcher } from '../src/mail-catcher.ts';

let dir: string;
let catcher: MailCatcher;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tg-mail-'));
  catcher = await startMailCatcher({ dir, smtpPort: 0, httpPort: 0 });
});
afterAll(async () => {
  await catcher?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Speaks SMTP to the catcher line by line, waiting for each reply; answers the replies. */
async function smtpSession(lines: string[]): Promise<string[]> {
  const port = Number(new URL(catcher.smtpUrl).port);
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  const replies: string[] = [];
  let pending = '';
  const next = () =>
    new Promise<string>((resolve) => {
      const onData = (chunk: string) => {
        pending += chunk;
        // a reply ends with a line whose code is followed by a space
        const m = /(^|\r\n)(\d{3}) [^\r\n]*\r\n$/.exec(pending);
        if (m) {
          socket.off('data', onData);
          const reply = pending;
          pending = '';
          resolve(reply);
        }
      };
      socket.on('data', onData);
    });
  replies.push(await next());
  for (const line of lines) {
    socket.write(`${line}\r\n`);
    if (line.startsWith('..') || (!/^[A-Z]{4}\b/.test(line) && line !== '.')) continue;
    replies.push(await next());
  }
  socket.end();
  await once(socket, 'close');
  return replies;
}

describe('mail catcher', () => {
  it('stores a message sent over SMTP as an .eml file and lists it on its page', async () => {
    const replies = await smtpSession([
      'EHLO test',
      'MAIL FROM:<no-reply@tradegraph.local>',
      'RCPT TO:<shopper@example.test>',
      'DATA',
      'From: Tradegraph <no-reply@tradegraph.local>',
      'To: shopper@example.test',
      'Subject: =?UTF-8?B?QmVzdGVsbHVuZyBlaW5nZWdhbmdlbg==?=',
      '',
      'Hello <shopper>',
      '..a line starting with a dot',
      '.',
      'QUIT',
    ]);
    expect(replies[0]).toMatch(/^220 /);
    expect(replies.at(-2)).toMatch(/^250 OK stored as .+\.eml/);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const raw = readFileSync(join(dir, files[0]!), 'utf8');
    expect(raw).toContain('X-Envelope-To: <shopper@example.test>');
    expect(raw).toContain('\r\n.a line starting with a dot');
    expect(headersOf(raw).subject).toBe('Bestellung eingegangen');

    const index = await (await fetch(catcher.webUrl)).text();
    expect(index).toContain('Bestellung eingegangen');
    expect(index).toContain('&lt;shopper@example.test&gt;');
    const one = await fetch(new URL(`/mail/${files[0]}`, catcher.webUrl));
    expect(await one.text()).toContain('Hello <shopper>');
    expect((await fetch(new URL('/mail/..%2F..%2Fetc%2Fpasswd', catcher.webUrl))).status).toBe(404);
  });
});
