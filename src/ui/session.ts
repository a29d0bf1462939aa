import { useEffect, useState } from 'preact/hooks';
import type { SessionInfo } from './api.js';

export type Session = SessionInfo;

/**
 * Who is signed in. The proof lives in an HttpOnly cookie the page cannot read; this is only what
 * the server said about it. `undefined` until the first answer, so no page flashes "signed out".
 */
let session: Session | null | undefined;
const listeners = new Set<() => void>();
// Other tabs of this site share the cookie; tell them when it changes so they follow at once.
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('boxoffice.session') : null;

function publish(next: Session | null, broadcast: boolean): void {
  session = next;
  for (const listener of listeners) listener();
  if (broadcast) channel?.postMessage(next);
}

channel?.addEventListener('message', (message: MessageEvent<Session | null>) => publish(message.data, false));

export function currentSession(): Session | null | undefined {
  return session;
}

export function startSession(next: Session): void {
  publish(next, true);
}

/** Forgets the session on this side, e.g. after the server refused it. */
export function clearSession(): void {
  if (session) publish(null, true);
}

/** Asks the server once who the cookie belongs to; a server out of reach means signed out for now. */
export async function loadSession(whoAmI: () => Promise<{ session: Session | null }>): Promise<void> {
  try {
    publish((await whoAmI()).session, false);
  } catch {
    publish(null, false);
  }
}

/** The signed-in user, null, or undefined while unknown; re-renders on sign-in and sign-out. */
export function useSession(): Session | null | undefined {
  const [value, setValue] = useState(currentSession);
  useEffect(() => {
    const update = () => setValue(currentSession());
    listeners.add(update);
    update();
    return () => void listeners.delete(update);
  }, []);
  return value;
}
