import type { ReservationStatus } from "~/models/reservation";

// What the live streams carry, shared by the server and the pages. Every
// message is the whole current state of what the stream watches, never a
// delta, so a page that only ever sees the latest message is still right.

// Units available now, by product and then by warehouse.
export type LiveStockMessage = {
  id: number;
  stock: Record<string, Record<string, number>>;
};

export type LiveReservationMessage = {
  id: number;
  status: ReservationStatus;
  expiresAt: number;
};

// Something happened (a hold, a payment, a restock, an operator's change):
// the console's pages reload their data, which is current up to `id`.
export type LiveConsoleMessage = { id: number };

export const MAX_WATCHED_PRODUCTS = 200;
