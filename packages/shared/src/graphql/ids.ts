import { randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import { notFound } from './errors.ts';

/**
 * Opaque, type-prefixed IDs: `<prefix>_<ulid><random>`. The ULID keeps IDs
 * roughly time-ordered (good for indexes and cursors); 32 extra random bits on
 * top of its 80 make them unguessable. A tenant-scoped ID embeds the tenant's
 * routing key after the prefix (`prd_<tenant>_<…>`), so it can be routed to
 * its database without scanning; callers must still check the tenant matches
 * the principal.
 */

const BODY = /^[0-9A-Za-z]+$/;

export function newId(prefix: string, tenantKey?: string): string {
  const body = ulid() + randomBytes(4).toString('hex').toUpperCase();
  return tenantKey ? `${prefix}_${tenantKey}_${body}` : `${prefix}_${body}`;
}

export interface ParsedId {
  prefix: string;
  tenantKey: string | null;
  body: string;
}

/** Parses an ID of the expected type, or null when it is malformed or of another type. */
export function parseId(id: unknown, prefix: string): ParsedId | null {
  if (typeof id !== 'string' || id.length > 120) return null;
  const parts = id.split('_');
  if (parts[0] !== prefix) return null;
  if (parts.length === 2 && BODY.test(parts[1]!)) return { prefix, tenantKey: null, body: parts[1]! };
  if (parts.length === 3 && BODY.test(parts[1]!) && BODY.test(parts[2]!)) {
    return { prefix, tenantKey: parts[1]!, body: parts[2]! };
  }
  return null;
}

/** Like parseId, but a malformed or foreign ID answers NOT_FOUND (never hints at what exists). */
export function requireId(id: unknown, prefix: string, what: string): ParsedId {
  const parsed = parseId(id, prefix);
  if (!parsed) throw notFound(what);
  return parsed;
}
