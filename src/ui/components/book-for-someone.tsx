import { useId, useRef, useState } from 'preact/hooks';
import { ApiError, type BoxEvent, NETWORK_ERROR, api, newIdempotencyKey } from '../api.js';
import { plural } from '../format.js';
import { describeError } from '../messages.js';
import { Notice, type NoticeMessage } from './notice.js';
import { QuantityPicker } from './quantity-picker.js';

const STATUS_TEXT = {
  confirmed: 'confirmed',
  pending: 'held',
  waitlisted: 'on the waiting list',
  cancelled: 'cancelled',
  expired: 'expired',
} as const;

/** The organizer books or cancels for a named person: a phone booking, a guest list, a no-show. */
export function BookForSomeone({ event, onChanged }: { event: BoxEvent; onChanged: () => void }) {
  const id = useId();
  const [person, setPerson] = useState('');
  const [quantity, setQuantity] = useState(1);
  const [message, setMessage] = useState<NoticeMessage | null>(null);
  const [pending, setPending] = useState(false);
  const key = useRef<{ action: string; value: string } | null>(null);

  const run = async (action: 'book' | 'cancel') => {
    const who = person.trim();
    if (!who) {
      setMessage({ tone: 'error', text: 'Name the person by their e-mail address or user ID.' });
      return;
    }
    const fingerprint = `${action} ${who} ${quantity}`;
    if (key.current?.action !== fingerprint) key.current = { action: fingerprint, value: newIdempotencyKey() };
    setPending(true);
    setMessage(null);
    try {
      if (action === 'book') {
        const named = who.includes('@') ? { userEmail: who } : { userId: who };
        const { booking } = await api.book(event.id, { ...named, quantity }, key.current.value);
        const where = booking.status === 'waitlisted' ? ` at position ${booking.position}` : '';
        setMessage({
          tone: 'success',
          text: `Booked ${plural(booking.quantity ?? quantity, 'ticket')} for ${booking.userId}: ${STATUS_TEXT[booking.status]}${where}.`,
        });
      } else {
        const { booking, promoted } = await api.cancel(event.id, who.includes('@') ? who.toLowerCase() : who, key.current.value);
        setMessage({
          tone: 'success',
          text: `Cancelled the booking of ${booking.userId}.${promoted ? ` ${promoted.userId} got the freed tickets.` : ''}`,
        });
      }
      key.current = null;
    } catch (error) {
      if (!(error instanceof ApiError && error.code === NETWORK_ERROR)) key.current = null;
      setMessage({ tone: 'error', text: describeError(error, action) });
    } finally {
      setPending(false);
      onChanged();
    }
  };

  return (
    <section class="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Book or cancel for someone</h2>
      <form
        class="inline-form"
        onSubmit={(submitted) => {
          submitted.preventDefault();
          void run('book');
        }}
      >
        <div class="field field-grow">
          <label for={`${id}-person`}>E-mail address or user ID</label>
          <input
            id={`${id}-person`}
            value={person}
            onInput={(input) => setPerson(input.currentTarget.value)}
            autoComplete="off"
            autoCapitalize="none"
            spellcheck={false}
            maxLength={128}
            required
          />
        </div>
        <QuantityPicker
          id={`${id}-quantity`}
          label="Tickets"
          max={Math.max(1, event.maxPerBooking ?? 1)}
          value={quantity}
          onChange={setQuantity}
        />
        <div class="inline-actions">
          <button type="submit" class="button button-primary" disabled={pending}>
            Book for them
          </button>
          <button type="button" class="button button-danger" disabled={pending} onClick={() => void run('cancel')}>
            Cancel their booking
          </button>
        </div>
      </form>
      <Notice message={message} />
    </section>
  );
}
