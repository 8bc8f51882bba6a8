import { describe, expect, it } from 'vitest';
import { supersedes } from './projections.ts';

describe('supersedes (apply only if newer)', () => {
  const at = new Date('2026-01-02T03:04:05.678Z');
  it('applies to a row that does not exist yet', () => {
    expect(supersedes(null, at)).toBe(true);
    expect(supersedes({ eventAt: null }, at)).toBe(true);
  });
  it('applies a newer event and ignores an older one', () => {
    expect(supersedes({ eventAt: at }, new Date(at.getTime() + 1))).toBe(true);
    expect(supersedes({ eventAt: at }, new Date(at.getTime() - 1))).toBe(false);
  });
  it('reads MySQL DATETIME text as UTC', () => {
    expect(supersedes({ eventAt: '2026-01-02 03:04:05.678' }, new Date(at.getTime() + 1))).toBe(true);
    expect(supersedes({ eventAt: '2026-01-02 03:04:05.678' }, new Date(at.getTime() - 1))).toBe(false);
  });
  it('breaks a tie by rank: the same instant cannot undo a terminal state', () => {
    expect(supersedes({ eventAt: at }, at, { stored: 2, incoming: 1 })).toBe(false);
    expect(supersedes({ eventAt: at }, at, { stored: 1, incoming: 2 })).toBe(true);
    expect(supersedes({ eventAt: at }, at)).toBe(true);
  });
});
