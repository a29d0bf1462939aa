import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type BoxEvent, api, streamUrl } from './api.js';

/** live: the stream is open; connecting: it is (re)connecting; polling: the server refused a stream, so we ask every few seconds. */
export type Connection = 'connecting' | 'live' | 'polling';

export interface LiveEvent {
  event: BoxEvent | null;
  error: unknown;
  connection: Connection;
  /** Counts every update received, so what depends on the event (my booking, the waitlist) can follow it. */
  changes: number;
  /** Takes a fresher copy of the event, e.g. the answer to the admin's change. */
  accept(event: BoxEvent): void;
  /** Reads the event again now, for when the stream is not there to tell. */
  refresh(): void;
}

const POLL_MS = 4_000;

/** The event with its counts, kept current from the server's event stream. */
export function useLiveEvent(eventId: string): LiveEvent {
  const [state, setState] = useState({ event: null as BoxEvent | null, error: null as unknown, connection: 'connecting' as Connection, changes: 0 });
  const current = useRef(eventId);
  current.current = eventId;

  const accept = useCallback((event: BoxEvent) => {
    if (event.id !== current.current) return;
    setState((previous) => ({ ...previous, event, error: null, changes: previous.changes + 1 }));
  }, []);

  const refresh = useCallback(() => {
    const asked = current.current;
    api.getEvent(asked).then(accept, (error: unknown) => {
      if (asked === current.current) setState((previous) => ({ ...previous, error }));
    });
  }, [accept]);

  useEffect(() => {
    let stopped = false;
    let source: EventSource | null = null;
    let poller: ReturnType<typeof setInterval> | undefined;
    setState({ event: null, error: null, connection: 'connecting', changes: 0 });
    const connection = (value: Connection) => setState((previous) => ({ ...previous, connection: value }));
    const poll = () => {
      connection('polling');
      poller ??= setInterval(refresh, POLL_MS);
    };

    api.getEvent(eventId).then(
      (event) => {
        if (stopped) return;
        accept(event);
        source = new EventSource(streamUrl(eventId));
        source.addEventListener('open', () => connection('live'));
        source.addEventListener('event', (message) => {
          try {
            accept(JSON.parse((message as MessageEvent<string>).data) as BoxEvent);
          } catch {
            refresh();
          }
        });
        source.addEventListener('error', () => {
          // The browser reconnects by itself unless the server refused the stream outright.
          if (source?.readyState !== EventSource.CLOSED) return connection('connecting');
          source = null;
          poll();
        });
      },
      (error: unknown) => {
        if (stopped) return;
        setState((previous) => ({ ...previous, error }));
        if (!(error instanceof ApiError && error.code === 'EVENT_NOT_FOUND')) poll();
      },
    );
    return () => {
      stopped = true;
      source?.close();
      clearInterval(poller);
    };
  }, [eventId, accept, refresh]);

  return { ...state, accept, refresh };
}
