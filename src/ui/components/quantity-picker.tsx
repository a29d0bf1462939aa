/** A number of tickets from 1 to max, as a select: no typing, no invalid values, keyboard friendly. */
export function QuantityPicker({
  id,
  label,
  max,
  value,
  onChange,
}: {
  id: string;
  label: string;
  max: number;
  value: number;
  onChange: (value: number) => void;
}) {
  return (
    <div class="field field-quantity">
      <label for={id}>{label}</label>
      <select id={id} value={String(value)} onChange={(change) => onChange(Number(change.currentTarget.value))}>
        {Array.from({ length: Math.max(1, max) }, (_, index) => index + 1).map((count) => (
          <option key={count} value={String(count)}>
            {count}
          </option>
        ))}
      </select>
    </div>
  );
}
