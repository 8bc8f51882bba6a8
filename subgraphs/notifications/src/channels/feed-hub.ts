import { EventEmitter, on } from 'node:events';
import type { NotificationRecord } from '../store/feed.ts';

/**
 * In-process fan-out of new in-app notifications to the `notificationReceived`
 * subscribers of this process, by recipient. The in-app channel publishes
 * here after the notification is in the feed.
 */
export class FeedHub {
  readonly #emitter = new EventEmitter();

  constructor() {
    // one listener per open subscription
    this.#emitter.setMaxListeners(0);
  }

  publish(n: NotificationRecord): void {
    this.#emitter.emit(n.recipientId, n);
  }

  /** The recipient's notifications from now on, until the iterator is returned (the client unsubscribed). */
  async *listen(recipientId: string, signal?: AbortSignal): AsyncGenerator<NotificationRecord> {
    for await (const [n] of on(this.#emitter, recipientId, signal ? { signal } : {})) {
      yield n as NotificationRecord;
    }
  }

  listenerCount(recipientId: string): number {
    return this.#emitter.listenerCount(recipientId);
  }
}
