import { useId, useState } from 'preact/hooks';
import { type BoxEvent, type EventPatch, api } from '../api.js';
import { plural } from '../format.js';
import { describeError } from '../messages.js';
import { checkInPath } from '../router.js';
import { Notice, type NoticeMessage } from './notice.js';

interface Props {
  event: BoxEvent;
  onUpdated: (event: BoxEvent) => void;
}

function promotedSentence(before: BoxEvent, after: BoxEvent): string {
  const promoted = before.waitlistCount - after.waitlistCount;
  return promoted > 0 ? ` ${plural(promoted, 'booking')} from the waiting list got tickets.` : '';
}

/** Saves the attendee list as a file: the API streams it as CSV when asked for text/csv. */
async function downloadCsv(event: BoxEvent): Promise<void> {
  const blob = await api.attendeeCsv(event.id);
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = `${event.id}-attendees.csv`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

/** The organizer's controls of one event: its capacity, whether it is on sale, the attendee list. */
export function ManageEvent({ event, onUpdated }: Props) {
  const id = useId();
  const [message, setMessage] = useState<NoticeMessage | null>(null);
  const [pending, setPending] = useState(false);
  const [capacity, setCapacity] = useState<string | null>(null);
  const held = event.heldCount ?? 0;

  const update = async (patch: EventPatch, success: (after: BoxEvent) => string) => {
    setPending(true);
    setMessage(null);
    try {
      const after = await api.updateEvent(event.id, patch);
      onUpdated(after);
      setCapacity(null);
      setMessage({ tone: 'success', text: success(after) });
    } catch (error) {
      setMessage({ tone: 'error', text: describeError(error, 'update-event') });
    } finally {
      setPending(false);
    }
  };

  const saveCapacity = (submitted: SubmitEvent) => {
    submitted.preventDefault();
    const totalTickets = Number(capacity ?? event.totalTickets);
    void update({ totalTickets }, (after) => `The event now has ${plural(after.totalTickets, 'ticket')}.${promotedSentence(event, after)}`);
  };

  const toggleSales = () =>
    void update({ salesOpen: !event.salesOpen }, (after) =>
      after.salesOpen ? 'Sales are open: people can book again.' : 'Sales are closed: nobody can book until you open them again.',
    );

  const download = async () => {
    setMessage(null);
    try {
      await downloadCsv(event);
    } catch (error) {
      setMessage({ tone: 'error', text: describeError(error, 'manage') });
    }
  };

  return (
    <section class="card manage-card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Manage this event</h2>
      <form class="capacity-form" onSubmit={saveCapacity}>
        <div class="field">
          <label for={`${id}-capacity`}>Total tickets</label>
          <input
            id={`${id}-capacity`}
            type="number"
            inputMode="numeric"
            required
            min={Math.max(1, event.bookedCount + held)}
            max={1_000_000}
            step={1}
            value={capacity ?? String(event.totalTickets)}
            onInput={(input) => setCapacity(input.currentTarget.value)}
            aria-describedby={`${id}-capacity-hint`}
          />
        </div>
        <button type="submit" class="button button-primary" disabled={pending}>
          Save capacity
        </button>
        <p id={`${id}-capacity-hint`} class="hint">
          At least {(event.bookedCount + held).toLocaleString()}, the tickets already booked or held. New tickets go to the people waiting,
          in order.
        </p>
      </form>
      <div class="sales-control">
        <p class="sales-state">
          Sales are <strong>{event.salesOpen ? 'open' : 'closed'}</strong>.{' '}
          {event.salesOpen ? 'Anyone signed in can book.' : 'Nobody can book; cancelling still hands tickets on.'}
        </p>
        <p class="actions">
          <button
            type="button"
            class={`button ${event.salesOpen ? 'button-danger' : 'button-primary'}`}
            onClick={toggleSales}
            disabled={pending}
          >
            {event.salesOpen ? 'Close sales' : 'Open sales'}
          </button>
          <button type="button" class="button button-secondary" onClick={() => void download()}>
            Download attendee list (CSV)
          </button>
          <a class="button button-secondary" href={checkInPath(event.id)}>
            Open the check-in screen
          </a>
        </p>
      </div>
      <Notice message={message} />
    </section>
  );
}
