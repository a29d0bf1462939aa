import { followLink, useRoute } from '../router.js';
import { useSession } from '../session.js';
import { AdminPage } from './admin-page.js';
import { CheckInPage } from './check-in-page.js';
import { EventPage } from './event-page.js';
import { EventsPage } from './events-page.js';
import { MyTicketsPage } from './my-tickets-page.js';
import { NotFoundPage } from './not-found-page.js';
import { SignInPage } from './sign-in-page.js';
import { SignInNeeded } from './sign-in-needed.js';
import { SignUpPage } from './sign-up-page.js';
import { SiteHeader } from './site-header.js';

export function App() {
  const route = useRoute();
  const session = useSession();
  const known = session !== undefined;
  const signedIn = session ?? null;
  const door = signedIn?.role === 'admin' || signedIn?.role === 'staff';
  return (
    // One listener turns every in-site link into a navigation without a reload.
    <div class="app" onClick={followLink}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <SiteHeader session={signedIn} known={known} />
      <main id="main" class="page" tabIndex={-1}>
        {!known ? (
          <p class="muted">Loading…</p>
        ) : (
          <>
            {route.page === 'events' && <EventsPage session={signedIn} />}
            {route.page === 'event' && <EventPage key={route.eventId} eventId={route.eventId} session={signedIn} />}
            {route.page === 'sign-in' && <SignInPage next={route.next} />}
            {route.page === 'sign-up' && <SignUpPage next={route.next} />}
            {route.page === 'my-tickets' && (signedIn ? <MyTicketsPage /> : <SignInNeeded title="My tickets" />)}
            {route.page === 'check-in' && (door ? <CheckInPage eventId={route.eventId} /> : <SignInNeeded title="Check-in" who="staff" />)}
            {route.page === 'admin' && (signedIn?.role === 'admin' ? <AdminPage /> : <SignInNeeded title="Administration" who="admin" />)}
            {route.page === 'not-found' && <NotFoundPage />}
          </>
        )}
      </main>
      <footer class="site-footer">
        <p>
          Boxoffice · tickets are handed out first come, first served · <a href="/docs">API documentation</a>
        </p>
      </footer>
    </div>
  );
}
