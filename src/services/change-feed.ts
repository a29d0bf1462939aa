/** Tells every app process which events changed, so live streams can send fresh counts. */
export interface ChangeFeed {
  /** After a commit that changed the event; delivery is best-effort, streams re-check on their own too. */
  publish(eventId: string): void;
  subscribe(listener: (eventId: string) => void): () => void;
  close(): Promise<void>;
}

/** Delivers within this process only: enough for one process, and the base of the shared feeds. */
export class LocalChangeFeed implements ChangeFeed {
  private readonly listeners = new Set<(eventId: string) => void>();

  publish(eventId: string): void {
    this.deliver(eventId);
  }

  /** Hands a change that arrived from elsewhere to this process's listeners. */
  deliver(eventId: string): void {
    for (const listener of this.listeners) listener(eventId);
  }

  subscribe(listener: (eventId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
