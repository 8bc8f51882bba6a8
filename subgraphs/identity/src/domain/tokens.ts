import { createHash } from 'node:crypto';

/** The verifier stored for a high-entropy secret (refresh tokens, invitation tokens, API keys, login subjects). */
export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
