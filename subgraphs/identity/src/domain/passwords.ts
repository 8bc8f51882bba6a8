import argon2 from 'argon2';
import { fail } from './errors.ts';

export interface PasswordPolicy {
  memoryCost: number;
  timeCost: number;
}

/** argon2id with OWASP's recommended minimum unless configured higher. */
export function hashPassword(password: string, policy: PasswordPolicy): Promise<string> {
  return argon2.hash(password, {
    type: argon2.argon2id,
    memoryCost: policy.memoryCost,
    timeCost: policy.timeCost,
    parallelism: 1,
  });
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch (err) {
    // argon2 rejects a stored hash it cannot parse (not a database error): no password matches it.
    if (err instanceof Error) return false;
    throw err;
  }
}

let dummy: Promise<string> | null = null;
/** Verifies against a throwaway hash, so an unknown account costs as much time as a wrong password. */
export async function burnPasswordCheck(password: string, policy: PasswordPolicy): Promise<void> {
  dummy ??= hashPassword('not-a-real-password-0123456789', policy);
  await verifyPassword(await dummy, password);
}

/** NIST 800-63B style: length over composition rules. */
export function checkPasswordStrength(password: unknown, field = 'password'): string {
  if (typeof password !== 'string' || password.length < 10) {
    fail('WEAK_PASSWORD', 'Password must be at least 10 characters long', field);
  }
  const pw = password as string;
  if (pw.length > 256) fail('WEAK_PASSWORD', 'Password must be at most 256 characters long', field);
  if (/^(.)\1+$/.test(pw) || /^(0123456789|1234567890|password)/i.test(pw)) {
    fail('WEAK_PASSWORD', 'Password is too easy to guess', field);
  }
  return pw;
}

export function normaliseEmail(email: unknown, field = 'email'): string {
  const e = typeof email === 'string' ? email.trim().toLowerCase() : '';
  if (e.length > 254 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(e))
    fail('INVALID_EMAIL', 'Enter a valid email address', field);
  return e;
}

export function requireName(name: unknown, field = 'name', max = 200): string {
  const n = typeof name === 'string' ? name.trim() : '';
  if (!n) fail('REQUIRED', 'Name is required', field);
  if (n.length > max) fail('TOO_LONG', `Name must be at most ${max} characters`, field);
  return n;
}
