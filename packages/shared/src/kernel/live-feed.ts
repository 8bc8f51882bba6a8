import { GraphQLError } from 'graphql';

/**
 * In-process pub/sub for subscription fields: a consumer publishes each event
 * once, every subscriber of this process whose filter accepts it receives it.
 * A short replay buffer (by count and age) lets a reconnecting router ask for
 * what it missed: `resume.afterEventId` replays every buffered event after it;
 * an unknown id replays what was buffered since `resume.since` (the router
 * drops ids it already delivered). When evicted events could be among those
 * missed, the subscription fails with EVENTS_LOST instead of skipping them.
 */

export interface LiveEntry<E> {
  /** The event's id (the envelope id): the resume point. */
  id: string;
  /** When this process received it (ms since the epoch). */
  at: number;
  event: E;
}

/** Where a reconnecting subscriber left off (sent by the router in the subscribe message's extensions). */
export interface LiveResume {
  afterEventId?: string;
  /** ms since the epoch: the receive time of the last event the subscriber got. */
  since?: number;
}

export interface LiveFeedOptions {
  /** Events kept for resuming (default 10,000). */
  bufferSize?: number;
  /** How long an event stays resumable (default 5 minutes). */
  bufferMs?: number;
  /** Undelivered events one subscriber may hold before it is ended (default 1,000). */
  queueLimit?: number;
  now?: () => number;
}

export const EVENTS_LOST = 'EVENTS_LOST';
export const SUBSCRIBER_OVERFLOW = 'SUBSCRIBER_OVERFLOW';

const resumes = new WeakMap<object, LiveResume>();

/** Attaches the resume point of a subscribe request to its context (done by the live server). */
export function setLiveResume(ctx: object, resume: LiveResume | undefined): void {
  if (resume) resumes.set(ctx, resume);
}

/** The resume point the subscribe request carried, if any (read by a subscription field's `subscribe`). */
export function liveResumeOf(ctx: object): LiveResume | undefined {
  return resumes.get(ctx);
}

export function isLiveEntry(value: unknown): value is LiveEntry<unknown> {
  const v = value as Partial<LiveEntry<unknown>> | null;
  return !!v && typeof v === 'object' && typeof v.id === 'string' && typeof v.at === 'number' && 'event' in v;
}

interface Subscriber<E> {
  accepts: (event: E) => boolean;
  queue: LiveEntry<E>[];
  wake: (() => void) | undefined;
  failure: Error | undefined;
  done: boolean;
}

export class LiveFeed<E> {
  readonly #bufferSize: number;
  readonly #bufferMs: number;
  readonly #queueLimit: number;
  readonly #now: () => number;
  readonly #buffer: LiveEntry<E>[] = [];
  readonly #ids = new Set<string>();
  readonly #subscribers = new Set<Subscriber<E>>();
  /** Receive time of the newest evicted event (0: nothing evicted yet). */
  #evictedAt = 0;
  #published = 0;

  constructor(opts: LiveFeedOptions = {}) {
    this.#bufferSize = opts.bufferSize ?? 10_000;
    this.#bufferMs = opts.bufferMs ?? 300_000;
    this.#queueLimit = opts.queueLimit ?? 1_000;
    this.#now = opts.now ?? Date.now;
  }

  get subscribers(): number {
    return this.#subscribers.size;
  }

  get published(): number {
    return this.#published;
  }

  /** Buffers the event and hands it to every subscriber that accepts it; a repeated id is ignored. */
  publish(id: string, event: E): void {
    if (this.#ids.has(id)) return;
    const entry: LiveEntry<E> = { id, at: this.#now(), event };
    this.#buffer.push(entry);
    this.#ids.add(id);
    this.#published++;
    this.#evict(entry.at);
    for (const s of this.#subscribers) this.#offer(s, entry);
  }

  /**
   * The events accepted by `accepts`, from now on (and, with `resume`, the buffered ones
   * after it first). Ending the iterator (`return()`) unsubscribes.
   */
  subscribe(accepts: (event: E) => boolean, resume?: LiveResume): AsyncIterableIterator<LiveEntry<E>> {
    const s: Subscriber<E> = { accepts, queue: [], wake: undefined, failure: undefined, done: false };
    if (resume) for (const entry of this.#replay(resume)) if (accepts(entry.event)) s.queue.push(entry);
    this.#subscribers.add(s);
    const end = () => {
      s.done = true;
      this.#subscribers.delete(s);
      s.wake?.();
    };
    const iterator: AsyncIterableIterator<LiveEntry<E>> = {
      [Symbol.asyncIterator]: () => iterator,
      next: async () => {
        while (true) {
          const entry = s.queue.shift();
          if (entry) return { value: entry, done: false };
          if (s.failure) {
            const failure = s.failure;
            s.failure = undefined;
            end();
            throw failure;
          }
          if (s.done) return { value: undefined, done: true };
          await new Promise<void>((resolve) => {
            s.wake = resolve;
          });
          s.wake = undefined;
        }
      },
      return: async () => {
        end();
        return { value: undefined, done: true };
      },
    };
    return iterator;
  }

  /** Ends every subscriber (shutdown): their iterators finish after what they hold. */
  close(): void {
    for (const s of [...this.#subscribers]) {
      s.done = true;
      this.#subscribers.delete(s);
      s.wake?.();
    }
  }

  #offer(s: Subscriber<E>, entry: LiveEntry<E>): void {
    if (s.done || !s.accepts(entry.event)) return;
    if (s.queue.length >= this.#queueLimit) {
      // A subscriber this far behind would make memory grow without bound: it ends, and can resume.
      s.failure = new GraphQLError('The subscriber fell too far behind; resubscribe to resume', {
        extensions: { code: SUBSCRIBER_OVERFLOW },
      });
      this.#subscribers.delete(s);
    } else {
      s.queue.push(entry);
    }
    s.wake?.();
  }

  #evict(now: number): void {
    const horizon = now - this.#bufferMs;
    while (
      this.#buffer.length > 0 &&
      (this.#buffer.length > this.#bufferSize || this.#buffer[0]!.at < horizon)
    ) {
      const old = this.#buffer.shift()!;
      this.#ids.delete(old.id);
      this.#evictedAt = old.at;
    }
  }

  #replay(resume: LiveResume): LiveEntry<E>[] {
    this.#evict(this.#now());
    if (resume.afterEventId && this.#ids.has(resume.afterEventId)) {
      const at = this.#buffer.findIndex((e) => e.id === resume.afterEventId);
      return this.#buffer.slice(at + 1);
    }
    const since = resume.since ?? 0;
    if (this.#evictedAt >= since) {
      throw new GraphQLError('Events since the last one delivered are no longer available', {
        extensions: { code: EVENTS_LOST },
      });
    }
    return this.#buffer.filter((e) => e.at >= since);
  }
}
