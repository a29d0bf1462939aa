import { useId, useState } from 'preact/hooks';
import { type BoxEvent, type EventPatch, api } from '../api.js';
import { startEpoch } from '../format.js';
import { describeError } from '../messages.js';
import { BookingRuleFields, EventFields, readBookingRules, readEventFields } from './event-fields.js';
import { Notice, type NoticeMessage } from './notice.js';

/** Only what the organizer changed goes to the server, so the audit log records just that. */
function changedFields(event: BoxEvent, wanted: Required<EventPatch>): EventPatch {
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(wanted)) {
    const before = (event as unknown as Record<string, unknown>)[key];
    const same = key === 'startsAt' ? sameStart(event, wanted) : (before ?? null) === value;
    if (!same) patch[key] = value;
  }
  return patch as EventPatch;
}

/** The same start, however written: the form sends an offset, the event may hold wall time in its zone. */
function sameStart(event: BoxEvent, wanted: Required<EventPatch>): boolean {
  return startEpoch(event) === startEpoch(wanted);
}

/** The organizer edits what the event is and how booking it works; the form follows the saved event. */
export function EditEvent({ event, onUpdated }: { event: BoxEvent; onUpdated(event: BoxEvent): void }) {
  const id = useId();
  const [message, setMessage] = useState<NoticeMessage | null>(null);
  const [pending, setPending] = useState(false);
  // A new key re-reads the saved values into the fields after a save.
  const [version, setVersion] = useState(0);

  const submit = async (submitted: SubmitEvent) => {
    submitted.preventDefault();
    const form = new FormData(submitted.currentTarget as HTMLFormElement);
    const wanted = { ...readEventFields(form), ...readBookingRules(form) } as Required<EventPatch>;
    const patch = changedFields(event, wanted);
    if (Object.keys(patch).length === 0) {
      setMessage({ tone: 'info', text: 'Nothing changed.' });
      return;
    }
    setPending(true);
    setMessage(null);
    try {
      onUpdated(await api.updateEvent(event.id, patch));
      setVersion((count) => count + 1);
      setMessage({ tone: 'success', text: 'Saved. Everyone looking at this event sees the change.' });
    } catch (error) {
      setMessage({ tone: 'error', text: describeError(error, 'update-event') });
    } finally {
      setPending(false);
    }
  };

  return (
    <section class="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Edit event details and booking rules</h2>
      <form class="form-grid" onSubmit={submit} key={version}>
        <EventFields id={`${id}-details`} event={event} />
        <BookingRuleFields id={`${id}-rules`} event={event} />
        <div class="form-actions field-wide">
          <button type="submit" class="button button-primary" disabled={pending}>
            {pending ? 'Saving…' : 'Save changes'}
          </button>
        </div>
      </form>
      <Notice message={message} />
    </section>
  );
}
