import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { page: 'events' }
  | { page: 'event'; eventId: string }
  | { page: 'sign-in'; next: string | null }
  | { page: 'sign-up'; next: string | null }
  | { page: 'my-tickets' }
  | { page: 'check-in'; eventId: string | null }
  | { page: 'admin' }
  | { page: 'not-found' };

const NAVIGATED = 'boxoffice:navigated';

/** Set by a navigation within the page, taken by the next page heading to show: focus moves once, and never on a full load. */
let focusOwed = false;

export function takeHeadingFocus(): boolean {
  const owed = focusOwed;
  focusOwed = false;
  return owed;
}

export function routeOf(location: Pick<Location, 'pathname' | 'search'>): Route {
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const next = safeNext(new URLSearchParams(location.search).get('next'));
  if (path === '/') return { page: 'events' };
  if (path === '/sign-in') return { page: 'sign-in', next };
  if (path === '/sign-up') return { page: 'sign-up', next };
  if (path === '/my-tickets') return { page: 'my-tickets' };
  if (path === '/check-in') return { page: 'check-in', eventId: new URLSearchParams(location.search).get('event') };
  if (path === '/admin') return { page: 'admin' };
  const event = /^\/events\/([^/]+)$/.exec(path);
  if (event?.[1]) return { page: 'event', eventId: decodeURIComponent(event[1]) };
  return { page: 'not-found' };
}

/** Only paths of this site may follow a sign-in, never another origin. */
function safeNext(next: string | null): string | null {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : null;
}

export function eventPath(eventId: string): string {
  return `/events/${encodeURIComponent(eventId)}`;
}

export function checkInPath(eventId: string): string {
  return `/check-in?event=${encodeURIComponent(eventId)}`;
}

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  focusOwed = true;
  window.dispatchEvent(new Event(NAVIGATED));
  window.scrollTo(0, 0);
}

/** The current route, following links, back and forward. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => routeOf(location));
  useEffect(() => {
    const update = () => setRoute(routeOf(location));
    const back = () => {
      focusOwed = true;
      update();
    };
    window.addEventListener('popstate', back);
    window.addEventListener(NAVIGATED, update);
    return () => {
      window.removeEventListener('popstate', back);
      window.removeEventListener(NAVIGATED, update);
    };
  }, []);
  return route;
}

/** A click on a link to one of this page's routes navigates without a reload; modified clicks keep their browser meaning. */
export function followLink(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = (event.target as Element | null)?.closest('a');
  if (!anchor || anchor.target || anchor.origin !== location.origin || anchor.hasAttribute('download')) return;
  // Server pages such as /docs are not routes of this page.
  if (routeOf(anchor).page === 'not-found') return;
  event.preventDefault();
  navigate(anchor.pathname + anchor.search);
}
