import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type BoxEvent, api, streamUrl } from './api.js';

/** live: the stream is open; connecting: it is (re)connecting; polling: no stream, so we ask every few seconds. */
export type Connection = 'connecting' | 'live' | 'polling';

export interface LiveEvent {
  event: BoxEvent | null;
  error: unknown;
  connection: Connection;
  /** Counts every update received, so what depends on the event (my booking, the waitlist) can follow it. */
  changes: number;
  /** Takes a fresher copy of the event, e.g. the answer to the admin's change. */
  accept: (event: BoxEvent) => void;
  /** Reads the event again now, for when the stream is not there to tell. */
  refresh: () => void;
}

const POLL_MS = 4_000;
/** A stream that has not opened by then is not coming soon: poll meanwhile, and keep trying it. */
const STREAM_GRACE_MS = 5_000;

/** The event with its counts, kept current from the server's event stream, or by polling without one. */
export function useLiveEvent(eventId: string): LiveEvent {
  const [state, setState] = useState({
    event: null as BoxEvent | null,
    error: null as unknown,
    connection: 'connecting' as Connection,
    changes: 0,
  });
  const current = useRef(eventId);
  current.current = eventId;

  // Any good answer clears the last failure: the page never says "couldn't reach" while it can.
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
    let grace: ReturnType<typeof setTimeout> | undefined;
    setState({ event: null, error: null, connection: 'connecting', changes: 0 });
    const connection = (value: Connection) =>
      setState((previous) => (previous.connection === value ? previous : { ...previous, connection: value }));
    const poll = () => {
      connection('polling');
      poller ??= setInterval(refresh, POLL_MS);
    };
    const stopPolling = () => {
      clearInterval(poller);
      poller = undefined;
      clearTimeout(grace);
      grace = undefined;
    };

    const openStream = () => {
      source = new EventSource(streamUrl(eventId));
      source.addEventListener('open', () => {
        stopPolling();
        setState((previous) => ({ ...previous, connection: 'live', error: null }));
      });
      source.addEventListener('event', (message) => {
        try {
          accept(JSON.parse((message as MessageEvent<string>).data) as BoxEvent);
        } catch {
          refresh();
        }
      });
      source.addEventListener('error', () => {
        if (source?.readyState === EventSource.CLOSED) {
          // The server refused the stream outright: polling is all there is.
          source = null;
          poll();
          return;
        }
        // The browser reconnects by itself; if it keeps failing, poll meanwhile so the page stays current.
        if (poller === undefined) {
          connection('connecting');
          grace ??= setTimeout(poll, STREAM_GRACE_MS);
        }
      });
    };

    api.getEvent(eventId).then(
      (event) => {
        if (stopped) return;
        accept(event);
        openStream();
      },
      (error: unknown) => {
        if (stopped) return;
        setState((previous) => ({ ...previous, error }));
        if (!(error instanceof ApiError && ['EVENT_NOT_FOUND', 'VALIDATION_FAILED'].includes(error.code))) {
          poll();
          openStream();
        }
      },
    );
    return () => {
      stopped = true;
      source?.close();
      stopPolling();
    };
  }, [eventId, accept, refresh]);

  return { ...state, accept, refresh };
}
