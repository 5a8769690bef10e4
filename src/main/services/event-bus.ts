import { events, type EventChannel, type EventPayload } from '../../shared/contract';

type Listener = (channel: EventChannel, payload: unknown) => void;

/** Fan-out of contract events to every connected client (IPC windows, HTTP event streams). */
export class EventBus {
  private readonly listeners = new Set<Listener>();

  emit<E extends EventChannel>(channel: E, payload: EventPayload<E>): void {
    const checked = events[channel].parse(payload);
    for (const listener of this.listeners) listener(channel, checked);
  }

  /** Returns the unsubscribe function. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get size(): number {
    return this.listeners.size;
  }
}
