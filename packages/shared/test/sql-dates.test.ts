import { afterEach, describe, expect, it } from 'vitest';
import { utcDate } from '../src/index.ts';

const zone = process.env.TZ;
afterEach(() => {
  if (zone === undefined) delete process.env.TZ;
  else process.env.TZ = zone;
});

describe('utcDate (DATETIME text of a raw row)', () => {
  it('reads the UTC instant the column stores, in any process time zone', () => {
    for (const tz of ['UTC', 'America/New_York', 'Asia/Kolkata', 'Pacific/Chatham']) {
      process.env.TZ = tz; // Node re-reads the zone when TZ changes
      expect(utcDate('2026-01-02 03:04:05.678').toISOString()).toBe('2026-01-02T03:04:05.678Z');
      expect(utcDate('2026-07-31 23:59:59').toISOString()).toBe('2026-07-31T23:59:59.000Z');
    }
    // What the retailer did before: local time, hours off outside UTC.
    process.env.TZ = 'America/New_York';
    expect(new Date('2026-01-02 03:04:05.678').toISOString()).not.toBe('2026-01-02T03:04:05.678Z');
  });

  it('agrees with Date on ISO text for thousands of instants, every precision MariaDB returns', () => {
    let seed = 42;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 5000; i++) {
      const at = new Date(Date.UTC(1970, 0, 1) + Math.floor(next() * 4_000_000_000_000));
      const iso = at.toISOString(); // 2096-10-02T07:06:40.000Z
      const text = iso.slice(0, 23).replace('T', ' ');
      expect(utcDate(text).getTime()).toBe(at.getTime());
      expect(utcDate(text.slice(0, 19)).getTime()).toBe(Math.floor(at.getTime() / 1000) * 1000);
      expect(utcDate(`${text.slice(0, 21)}`).getTime()).toBe(new Date(`${iso.slice(0, 21)}Z`).getTime());
      expect(utcDate(`${text}456`).getTime()).toBe(at.getTime()); // DATETIME(6)
    }
  });

  it('passes Dates through and reads other shapes as Date does; garbage is an invalid date, not a guess', () => {
    const d = new Date();
    expect(utcDate(d)).toBe(d);
    expect(utcDate('2026-01-02T03:04:05.678Z').toISOString()).toBe('2026-01-02T03:04:05.678Z');
    expect(Number.isNaN(utcDate('2026-01-0x 03:04:05').getTime())).toBe(true);
    expect(Number.isNaN(utcDate('not a date').getTime())).toBe(true);
    expect(utcDate('0099-01-02 03:04:05').getUTCFullYear()).toBe(99);
  });
});
