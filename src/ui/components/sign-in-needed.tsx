import { PageHeading } from './page-heading.js';

/** A screen that needs someone signed in (or someone in particular) says so, with the way in. */
export function SignInNeeded({ title, who }: { title: string; who?: 'staff' | 'admin' }) {
  const next = encodeURIComponent(location.pathname + location.search);
  return (
    <section class="card narrow">
      <PageHeading title={title} />
      <p>
        {who === 'admin'
          ? 'Only the organizer can open this page. Sign in with the admin account.'
          : who === 'staff'
            ? 'Only door staff and the organizer can check tickets in. Sign in with a staff account.'
            : 'Sign in to see your tickets.'}
      </p>
      <p class="actions">
        <a class="button button-primary" href={`/sign-in?next=${next}`}>
          Sign in
        </a>
      </p>
    </section>
  );
}
