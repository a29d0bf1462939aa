// Loaded with `node --import` into the compiled server for the "app without the database" row: every
// booking is answered from memory, so that row measures Boxoffice's HTTP stack (auth, validation,
// headers, metrics, serialisation) alone, between the bare floor and the real flash sale.
const serviceModule = new URL('../services/booking-service.js', import.meta.url).href;
const { BookingService } = (await import(serviceModule)) as {
  BookingService: { prototype: { book(eventId: string, userId: string): Promise<unknown> } };
};

BookingService.prototype.book = async (eventId: string, userId: string) => {
  const now = new Date().toISOString();
  return {
    id: '00000000-0000-7000-8000-000000000000',
    eventId,
    userId,
    quantity: 1,
    hold: false,
    status: 'confirmed',
    position: null,
    expiresAt: null,
    ticketCode: '00000-00000-00000-00000',
    checkedInAt: null,
    createdAt: now,
    updatedAt: now,
    confirmedAt: now,
    cancelledAt: null,
  };
};
