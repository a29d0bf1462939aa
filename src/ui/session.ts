import { useEffect, useState } from 'preact/hooks';
import type { TokenGrant } from './api.js';

export interface Session {
  token: string;
  userId: string;
  role: 'admin' | 'user';
  /** Epoch milliseconds after which the server refuses the token. */
  expiresAt: number;
}

// sessionStorage: the token survives a reload of this tab but not closing it, and other tabs never see it.
const STORAGE_KEY = 'boxoffice.session';
const listeners = new Set<() => void>();
let session: Session | null = load();

function load(): Session | null {
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as Session | null;
    return stored && stored.expiresAt > Date.now() ? stored : null;
  } catch {
    return null;
  }
}

function publish(next: Session | null): void {
  session = next;
  try {
    if (next) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage can be disabled; the session then lasts as long as the page.
  }
  for (const listener of listeners) listener();
}

export function currentSession(): Session | null {
  if (session && session.expiresAt <= Date.now()) publish(null);
  return session;
}

export function startSession(grant: TokenGrant): void {
  publish({ token: grant.token, userId: grant.userId, role: grant.role, expiresAt: Date.now() + grant.expiresIn * 1000 });
}

export function clearSession(): void {
  if (session) publish(null);
}

/** The signed-in user (or null), re-rendering the component on sign-in and sign-out. */
export function useSession(): Session | null {
  const [value, setValue] = useState(currentSession);
  useEffect(() => {
    const update = () => setValue(currentSession());
    listeners.add(update);
    update();
    return () => void listeners.delete(update);
  }, []);
  return value;
}
