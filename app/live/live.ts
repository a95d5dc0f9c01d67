import type { DropPhase, TopPurchaser } from "~/models/drop";
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

// A drop as everyone sees it: its phase (which the server's clock moves, so
// a page's button turns on at the start without a reload), each product's
// available units and waiting line, and the top purchasers.
export type LiveDropMessage = {
  id: number;
  phase: DropPhase;
  products: { id: string; available: number; waiting: number }[];
  topPurchasers: TopPurchaser[];
};
