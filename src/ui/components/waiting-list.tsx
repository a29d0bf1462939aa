import { useEffect, useId } from 'preact/hooks';
import { type BoxEvent, api } from '../api.js';
import { formatInstant } from '../format.js';
import { describeError } from '../messages.js';
import { usePagedList } from '../use-paged-list.js';
import { useThrottled } from '../use-throttled.js';

/** The waiting list in the order tickets will be handed out. */
export function WaitingList({ event, changes }: { event: BoxEvent; changes: number }) {
  const id = useId();
  const list = usePagedList(async (cursor) => {
    const page = await api.bookings(event.id, 'waitlisted', cursor);
    return { items: page.bookings, nextCursor: page.nextCursor };
  }, event.id);
  const refresh = useThrottled(list.refresh, 1_000);
  useEffect(() => {
    if (changes > 1) refresh();
  }, [changes, refresh]);

  return (
    <section class="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>
        Waiting list <span class="count-pill">{event.waitlistCount.toLocaleString()}</span>
      </h2>
      {list.error !== null && (
        <p class="notice notice-error" role="alert">
          {describeError(list.error, 'load')}
        </p>
      )}
      {list.loaded && list.items.length === 0 ? (
        <p class="muted">Nobody is waiting.</p>
      ) : (
        <div class="table-scroll" tabIndex={0} role="region" aria-label="Waiting list, in order">
          <table class="table-stack">
            <thead>
              <tr>
                <th scope="col">Position</th>
                <th scope="col">Person</th>
                <th scope="col">Tickets</th>
                <th scope="col">Waiting since</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((booking) => (
                <tr key={booking.id}>
                  <td data-label="Position">#{booking.position}</td>
                  <td data-label="Person" class="cell-user">
                    {booking.userId}
                  </td>
                  <td data-label="Tickets">{booking.quantity ?? 1}</td>
                  <td data-label="Waiting since">{formatInstant(booking.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {list.hasMore && (
        <button type="button" class="button button-secondary" onClick={list.more} disabled={list.loading}>
          Show more
        </button>
      )}
    </section>
  );
}
