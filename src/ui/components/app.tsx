import { followLink, useRoute } from '../router.js';
import { useSession } from '../session.js';
import { EventPage } from './event-page.js';
import { EventsPage } from './events-page.js';
import { NotFoundPage } from './not-found-page.js';
import { SignInPage } from './sign-in-page.js';
import { SignUpPage } from './sign-up-page.js';
import { SiteHeader } from './site-header.js';

export function App() {
  const route = useRoute();
  const session = useSession();
  return (
    // One listener turns every in-site link into a navigation without a reload.
    <div class="app" onClick={followLink}>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <SiteHeader session={session} />
      <main id="main" class="page" tabIndex={-1}>
        {route.page === 'events' && <EventsPage session={session} />}
        {route.page === 'event' && <EventPage key={route.eventId} eventId={route.eventId} session={session} />}
        {route.page === 'sign-in' && <SignInPage next={route.next} />}
        {route.page === 'sign-up' && <SignUpPage next={route.next} />}
        {route.page === 'not-found' && <NotFoundPage />}
      </main>
      <footer class="site-footer">
        <p>
          Boxoffice · tickets are handed out first come, first served · <a href="/docs">API documentation</a>
        </p>
      </footer>
    </div>
  );
}
