import { UserErrors } from '@tradegraph/shared';
import { describe, expect, it } from 'vitest';
import { BODY_MAX_LENGTH, TITLE_MAX_LENGTH, validateNote } from './notes.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof UserErrors) return err.errors[0]?.code;
    throw err;
  }
  return undefined;
}

describe('validateNote', () => {
  it('trims the title and body, and defaults the body to empty', () => {
    expect(validateNote({ title: '  Hello  ', body: ' text ' })).toEqual({ title: 'Hello', body: 'text' });
    expect(validateNote({ title: 'Hello' })).toEqual({ title: 'Hello', body: '' });
  });

  it('refuses an empty or blank title as REQUIRED', () => {
    expect(codeOf(() => validateNote({ title: '' }))).toBe('REQUIRED');
    expect(codeOf(() => validateNote({ title: '   ' }))).toBe('REQUIRED');
  });

  it('accepts the longest title and body, refuses one character more as TOO_LONG', () => {
    const title = 'x'.repeat(TITLE_MAX_LENGTH);
    const body = 'y'.repeat(BODY_MAX_LENGTH);
    expect(validateNote({ title, body })).toEqual({ title, body });
    expect(codeOf(() => validateNote({ title: `${title}x` }))).toBe('TOO_LONG');
    expect(codeOf(() => validateNote({ title, body: `${body}y` }))).toBe('TOO_LONG');
  });
});
