import { api } from '../api.js';
import { navigate } from '../router.js';
import { type Session, clearSession } from '../session.js';

async function signOut(): Promise<void> {
  // Even if the server is out of reach, this page forgets; the cookie dies with the browser session.
  await api.signOut().catch(() => undefined);
  clearSession();
  navigate('/');
}

/** Where to come back to after signing in: this page, or the one the sign-in page was already asked to return to. */
function returnPath(): string {
  const onAccountPage = location.pathname === '/sign-in' || location.pathname === '/sign-up';
  return encodeURIComponent(
    (onAccountPage ? new URLSearchParams(location.search).get('next') : location.pathname + location.search) ?? '/',
  );
}

const ROLE_BADGE = { admin: 'Organizer', staff: 'Staff' } as const;

function NavLink({ href, children }: { href: string; children: string }) {
  const current = location.pathname === href;
  return (
    <a class="site-nav-link" href={href} aria-current={current ? 'page' : undefined}>
      {children}
    </a>
  );
}

export function SiteHeader({ session, known }: { session: Session | null; known: boolean }) {
  const here = returnPath();
  const shown = session ? (session.name ?? (session.role === 'admin' ? 'Organizer' : session.userId)) : '';
  return (
    <header class="site-header">
      <div class="site-header-inner">
        <a class="brand" href="/">
          <TicketIcon />
          Boxoffice
        </a>
        <nav aria-label="Main" class="site-nav">
          <NavLink href="/">Events</NavLink>
          {session?.role === 'user' && <NavLink href="/my-tickets">My tickets</NavLink>}
          {(session?.role === 'admin' || session?.role === 'staff') && <NavLink href="/check-in">Check-in</NavLink>}
          {session?.role === 'admin' && <NavLink href="/admin">Admin</NavLink>}
        </nav>
        <div class="account-nav">
          {session ? (
            <>
              <span class="signed-in-as">
                {session.role !== 'user' && <span class="badge badge-admin">{ROLE_BADGE[session.role]}</span>}
                {session.role !== 'admin' || session.name ? (
                  <span class="user-id" title={session.userId}>
                    {shown}
                  </span>
                ) : null}
              </span>
              <button type="button" class="button button-quiet" onClick={() => void signOut()}>
                Sign out
              </button>
            </>
          ) : (
            known && (
              <>
                <a class="button button-quiet" href={`/sign-in?next=${here}`}>
                  Sign in
                </a>
                <a class="button button-primary" href={`/sign-up?next=${here}`}>
                  Create account
                </a>
              </>
            )
          )}
        </div>
      </div>
    </header>
  );
}

function TicketIcon() {
  return (
    <svg class="brand-mark" viewBox="0 0 24 24" width="28" height="28" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        fill-rule="evenodd"
        d="M4.5 5h15A1.5 1.5 0 0 1 21 6.5V9a3 3 0 0 0 0 6v2.5a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 17.5V15a3 3 0 0 0 0-6V6.5A1.5 1.5 0 0 1 4.5 5ZM14 7h1.5v2H14Zm0 4h1.5v2H14Zm0 4h1.5v2H14Z"
      />
    </svg>
  );
}
