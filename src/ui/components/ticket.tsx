import { useEffect, useState } from 'preact/hooks';
import type { Booking } from '../api.js';
import { formatInstant, plural } from '../format.js';

/** The QR code as SVG markup from the qrcode package, loaded on first use so other screens stay small. */
async function qrSvg(text: string): Promise<string> {
  const { default: QRCode } = await import('qrcode');
  // Margin 4 is the quiet zone scanners expect; M recovers from a scratched or glared screen.
  return QRCode.toString(text, { type: 'svg', margin: 4, errorCorrectionLevel: 'M', color: { dark: '#000000', light: '#ffffff' } });
}

/**
 * A confirmed booking's ticket: the code as a QR code to show at the door, and as text to read
 * aloud or type. The SVG has presentation attributes only, so the strict CSP (no inline style) holds.
 */
export function Ticket({ booking, eventName }: { booking: Booking; eventName: string }) {
  const code = booking.ticketCode;
  const [svg, setSvg] = useState<string | null>(null);
  useEffect(() => {
    if (!code) return;
    let current = true;
    qrSvg(code).then(
      (markup) => current && setSvg(markup),
      () => current && setSvg(null),
    );
    return () => {
      current = false;
    };
  }, [code]);
  if (!code) return null;
  return (
    <figure class="ticket" aria-label={`Ticket for ${eventName}`}>
      <div
        class="ticket-qr"
        role="img"
        aria-label={`QR code of ticket ${code}`}
        data-ticket-qr
        dangerouslySetInnerHTML={svg ? { __html: svg } : undefined}
      />
      <figcaption>
        <span class="ticket-label">Ticket code</span>
        <code class="ticket-code">{code}</code>
        <span class="ticket-admits">Admits {plural(booking.quantity ?? 1, 'person', 'people')}</span>
        {booking.checkedInAt && <span class="ticket-used">Checked in {formatInstant(booking.checkedInAt)}</span>}
      </figcaption>
    </figure>
  );
}
