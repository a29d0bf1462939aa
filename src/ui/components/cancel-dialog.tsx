import { useEffect, useId, useRef } from 'preact/hooks';
import type { Booking } from '../api.js';

interface Props {
  booking: Booking;
  onConfirm: () => void;
  onClose: () => void;
}

/** A modal question before cancelling; the native dialog traps focus and closes on Escape. */
export function CancelDialog({ booking, onConfirm, onClose }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const id = useId();
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const waiting = booking.status === 'waitlisted';
  return (
    <dialog ref={dialog} class="dialog" aria-labelledby={`${id}-title`} aria-describedby={`${id}-text`} onClose={onClose}>
      <h2 id={`${id}-title`}>{waiting ? 'Leave the waiting list?' : 'Cancel your booking?'}</h2>
      <p id={`${id}-text`}>
        {waiting
          ? `You will lose your place (#${booking.position}). If you join again later, you start at the back.`
          : 'Your ticket goes to the first person on the waiting list, or back on sale. If you book again later and the event is sold out, you join the back of the waiting list.'}
      </p>
      <div class="dialog-actions">
        <button type="button" class="button button-secondary" autoFocus onClick={() => dialog.current?.close()}>
          {waiting ? 'Stay on the list' : 'Keep my booking'}
        </button>
        <button type="button" class="button button-danger" onClick={onConfirm}>
          {waiting ? 'Yes, leave the list' : 'Yes, cancel it'}
        </button>
      </div>
    </dialog>
  );
}
