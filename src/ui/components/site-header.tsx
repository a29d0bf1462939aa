import { navigate } from '../router.js';
import { type Session, clearSession } from '../session.js';

function signOut(): void {
  clearSession();
  navigate('/');
}

/** Where to come back to after signing in: this page, or the one the sign-in page was already asked to return to. */
function returnPath(): string {
  const onAccountPage = location.pathname === '/sign-in' || location.pathname === '/sign-up';
  return encodeURIComponent((onAccountPage ? new URLSearchParams(location.search).get('next') : location.pathname) ?? '/');
}

export function SiteHeader({ session }: { session: Session | null }) {
  const here = returnPath();
  return (
    <header class="site-header">
      <div class="site-header-inner">
        <a class="brand" href="/">
          <TicketIcon />
          Boxoffice
        </a>
        <nav aria-label="Account" class="account-nav">
          {session ? (
            <>
              <span class="signed-in-as">
                {session.role === 'admin' ? <span class="badge badge-admin">Organizer</span> : null}
                <span class="user-id" title={session.userId}>
                  {session.userId}
                </span>
              </span>
              <button type="button" class="button button-quiet" onClick={signOut}>
                Sign out
              </button>
            </>
          ) : (
            <>
              <a class="button button-quiet" href={`/sign-in?next=${here}`}>
                Sign in
              </a>
              <a class="button button-primary" href={`/sign-up?next=${here}`}>
                Create account
              </a>
            </>
          )}
        </nav>
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
