import { PageHeading } from './page-heading.js';

export function NotFoundPage() {
  return (
    <section class="card">
      <PageHeading title="Page not found" />
      <p>There is no page at this address.</p>
      <p>
        <a href="/">See all events</a>
      </p>
    </section>
  );
}
