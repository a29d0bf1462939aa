import { useState } from 'preact/hooks';
import type { BoxEvent, EventSettings } from '../api.js';
import { formText } from '../form-text.js';
import { browserZone, isoToZonedInput, knownZones, zonedInputToIso, zoneName } from '../format.js';

export const DESCRIPTION_MAX = 2_000;

/** The zone picker's choices: every zone the browser knows, with the current one kept even if it does not. */
function zoneChoices(current: string): string[] {
  const zones = knownZones();
  return zones.includes(current) ? zones : [current, ...zones];
}

/**
 * The fields an organizer gives an event: what it is, where, and when — the start read as wall
 * time in the event's own zone (not this browser's), which the label says.
 */
export function EventFields({ id, event }: { id: string; event: BoxEvent | null }) {
  const [zone, setZone] = useState(event?.timeZone || (event ? 'UTC' : browserZone()));
  return (
    <>
      <div class="field field-wide">
        <label for={`${id}-name`}>Name</label>
        <input id={`${id}-name`} name="name" required maxLength={200} autoComplete="off" defaultValue={event?.name ?? ''} />
      </div>
      <div class="field">
        <label for={`${id}-starts`}>
          Starts at <span class="optional">({zoneName(zone)} time)</span>
        </label>
        <input
          id={`${id}-starts`}
          name="startsAt"
          type="datetime-local"
          defaultValue={event ? isoToZonedInput(event.startsAt, zone) : ''}
          aria-describedby={`${id}-starts-hint`}
        />
        <p id={`${id}-starts-hint`} class="hint">
          Read as the local time in {zoneName(zone)}, whoever enters it. Leave empty when not yet known.
        </p>
      </div>
      <div class="field">
        <label for={`${id}-zone`}>Time zone</label>
        <select id={`${id}-zone`} name="timeZone" value={zone} onChange={(change) => setZone(change.currentTarget.value)}>
          {zoneChoices(zone).map((choice) => (
            <option key={choice} value={choice}>
              {zoneName(choice)}
            </option>
          ))}
        </select>
      </div>
      <div class="field field-wide">
        <label for={`${id}-venue`}>
          Venue <span class="optional">(optional)</span>
        </label>
        <input id={`${id}-venue`} name="venue" maxLength={200} autoComplete="off" defaultValue={event?.venue ?? ''} />
      </div>
      <div class="field field-wide">
        <label for={`${id}-description`}>
          Description <span class="optional">(optional)</span>
        </label>
        <textarea
          id={`${id}-description`}
          name="description"
          rows={4}
          maxLength={DESCRIPTION_MAX}
          defaultValue={event?.description ?? ''}
        />
      </div>
    </>
  );
}

/** How bookings and the waiting list behave: the limit per booking, offers or automatic hand-out, and the deadlines. */
export function BookingRuleFields({ id, event }: { id: string; event: BoxEvent | null }) {
  return (
    <>
      <div class="field">
        <label for={`${id}-max`}>Tickets per booking, at most</label>
        <input
          id={`${id}-max`}
          name="maxPerBooking"
          type="number"
          inputMode="numeric"
          min={1}
          max={100}
          step={1}
          required
          defaultValue={String(event?.maxPerBooking ?? 10)}
        />
      </div>
      <div class="field">
        <label for={`${id}-mode`}>Freed tickets</label>
        <select id={`${id}-mode`} name="waitlistMode" defaultValue={event?.waitlistMode ?? 'auto'}>
          <option value="auto">Go to the next person at once</option>
          <option value="offer">Are offered to the next person, who must confirm</option>
        </select>
      </div>
      <div class="field">
        <label for={`${id}-offer`}>Time to accept an offer (hours)</label>
        <input
          id={`${id}-offer`}
          name="offerHours"
          type="number"
          inputMode="decimal"
          min={0.001}
          max={720}
          step="any"
          required
          defaultValue={String((event?.offerTtlSeconds ?? 86_400) / 3_600)}
        />
      </div>
      <div class="field">
        <label for={`${id}-hold`}>Time to confirm a hold (minutes)</label>
        <input
          id={`${id}-hold`}
          name="holdMinutes"
          type="number"
          inputMode="decimal"
          min={0.02}
          max={1440}
          step="any"
          required
          defaultValue={String((event?.holdTtlSeconds ?? 900) / 60)}
        />
      </div>
    </>
  );
}

export interface EventFieldValues {
  name: string;
  venue: string | null;
  description: string | null;
  timeZone: string;
  startsAt: string | null;
}

export function readEventFields(form: FormData): EventFieldValues {
  const text = (name: string) => formText(form, name).trim();
  const timeZone = text('timeZone') || 'UTC';
  return {
    name: text('name'),
    venue: text('venue') || null,
    description: text('description') || null,
    timeZone,
    startsAt: zonedInputToIso(text('startsAt'), timeZone),
  };
}

export function readBookingRules(
  form: FormData,
): Pick<EventSettings, 'maxPerBooking' | 'waitlistMode' | 'offerTtlSeconds' | 'holdTtlSeconds'> {
  const number = (name: string) => Number(formText(form, name));
  return {
    maxPerBooking: number('maxPerBooking'),
    waitlistMode: formText(form, 'waitlistMode') === 'offer' ? 'offer' : 'auto',
    offerTtlSeconds: Math.max(1, Math.round(number('offerHours') * 3_600)),
    holdTtlSeconds: Math.max(1, Math.round(number('holdMinutes') * 60)),
  };
}
