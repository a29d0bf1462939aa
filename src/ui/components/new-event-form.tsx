import { useId, useState } from 'preact/hooks';
import { type EventInput, api } from '../api.js';
import { formText } from '../form-text.js';
import { describeError } from '../messages.js';
import { eventPath, navigate } from '../router.js';
import { EventFields, readEventFields } from './event-fields.js';
import { Notice, type NoticeMessage } from './notice.js';

export function NewEventForm() {
  const id = useId();
  const [message, setMessage] = useState<NoticeMessage | null>(null);
  const [pending, setPending] = useState(false);

  const submit = async (submitted: SubmitEvent) => {
    submitted.preventDefault();
    const form = new FormData(submitted.currentTarget as HTMLFormElement);
    const fields = readEventFields(form);
    const input: EventInput = { ...fields, totalTickets: Number(formText(form, 'totalTickets').trim()) };
    const eventId = formText(form, 'id').trim();
    if (eventId) input.id = eventId;
    setPending(true);
    setMessage(null);
    try {
      const event = await api.createEvent(input);
      navigate(eventPath(event.id));
    } catch (error) {
      setMessage({ tone: 'error', text: describeError(error, 'create-event') });
      setPending(false);
    }
  };

  return (
    <section class="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Create an event</h2>
      <form class="form-grid" onSubmit={(submitted) => void submit(submitted)}>
        <EventFields id={id} event={null} />
        <div class="field">
          <label for={`${id}-tickets`}>Tickets</label>
          <input id={`${id}-tickets`} name="totalTickets" type="number" inputMode="numeric" required min={1} max={1_000_000} step={1} />
        </div>
        <div class="field">
          <label for={`${id}-id`}>
            Event ID <span class="optional">(optional)</span>
          </label>
          <input
            id={`${id}-id`}
            name="id"
            maxLength={64}
            pattern="[A-Za-z0-9_\-]{1,64}"
            autoComplete="off"
            aria-describedby={`${id}-id-hint`}
          />
          <p id={`${id}-id-hint`} class="hint">
            Used in the link. Letters, digits, "-" and "_"; leave empty to get one made up.
          </p>
        </div>
        <div class="form-actions field-wide">
          <button type="submit" class="button button-primary" disabled={pending}>
            {pending ? 'Creating…' : 'Create event'}
          </button>
        </div>
      </form>
      <Notice message={message} />
    </section>
  );
}
