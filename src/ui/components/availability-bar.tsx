import type { BoxEvent } from '../api.js';

/** How full the event is; the numbers are in the text next to it, so the bar is decoration. */
export function AvailabilityBar({ event }: { event: BoxEvent }) {
  const booked = event.totalTickets > 0 ? Math.min(100, (event.bookedCount / event.totalTickets) * 100) : 0;
  return (
    <span class="bar" aria-hidden="true">
      <span class={`bar-fill${booked >= 100 ? ' bar-full' : ''}`} style={{ width: `${booked}%` }} />
    </span>
  );
}
