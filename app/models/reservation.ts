import { z } from "zod";

// Shared by the API, the UI and the tests: the words a caller can see.
export const reservationStatuses = ["pending", "confirmed", "released", "expired"] as const;
export type ReservationStatus = (typeof reservationStatuses)[number];

export const MAX_LINES_PER_HOLD = 20;

// An id as the shop makes them (products, warehouses): checked before any
// id reaches SQL, and the reason a JSON key built from ids needs no escaping.
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;
export const MAX_QUANTITY_PER_LINE = 100;

// What the top-purchasers list calls a customer.
export const displayNameSchema = z
  .string()
  .trim()
  .min(2, "must be 2 to 30 characters")
  .max(30, "must be 2 to 30 characters")
  .regex(/^[^\p{C}]*$/u, "must be plain text");

const idSchema = z.string().min(1).max(100).regex(ID_PATTERN, "must be an id: letters, digits, '-' and '_'");

// Reservation ids are UUIDs; anything else cannot name one.
export const RESERVATION_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const reservationLineSchema = z
  .object({
    productId: idSchema,
    warehouseId: idSchema,
    quantity: z
      .number({ invalid_type_error: "must be a number" })
      .int("must be a whole number")
      .positive("must be at least 1")
      .max(MAX_QUANTITY_PER_LINE, `must be at most ${MAX_QUANTITY_PER_LINE}`),
  })
  .strict();
export type ReservationLine = z.infer<typeof reservationLineSchema>;

export type ReservationItemView = ReservationLine & {
  productName: string;
  warehouseName: string;
  priceCents: number;
  currency: string;
  imageUrl: string;
};

export type ReservationView = {
  id: string;
  // "pending" is never shown for a hold past its expiry, swept or not
  status: ReservationStatus;
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  extensionsLeft: number;
  // what one extension adds (a drop's hold has its drop's length)
  extendsByMs: number;
  // who released a released hold: its holder, or the shop's operator
  releasedBy: "holder" | "shop" | null;
  items: ReservationItemView[];
};

export type HoldPolicy = {
  ttlMs: number;
  // each extension adds one TTL, at most this many times…
  maxExtensions: number;
  // …and never past this long after the hold was made
  maxHoldMs: number;
};

// Fair use (0 turns a cap off): pending holds and units one client (a
// browser session, or an address without one) may have at once, and units
// every client behind one address may; and pending holds one customer (a
// shop session, or an integrator key's customer) may have.
export type FairUse = {
  holdsPerClient: number;
  unitsPerClient: number;
  unitsPerAddress: number;
  holdsPerCustomer: number;
};

// A customer's limit a refused hold would have gone past: its pending holds
// at once, or its units of one product (pending and bought), and what the
// customer has now.
export type CustomerLimit =
  | { measure: "holds"; limit: number; pending: number }
  | { measure: "units"; productId: string; limit: number; pending: number; confirmed: number; requested: number };

// The cap a refused hold would have gone past, and what the client has now.
export type ClientLimit = {
  scope: "client" | "address";
  measure: "holds" | "units";
  limit: number;
  pending: number;
  requested: number;
};

export function holdPolicy(ttlSeconds: number): HoldPolicy {
  return { ttlMs: ttlSeconds * 1000, maxExtensions: 2, maxHoldMs: 3 * ttlSeconds * 1000 };
}

// What a shopper quotes about a paid hold. Reservation ids are UUIDv7: their
// first half is the time they were made (the same for every hold made in
// one millisecond, alike for a whole minute), their last 12 digits random.
// So the reference is those: "HF-3F9A-C21B-7E04".
export function paymentReference(reservationId: string): string {
  const tail = reservationId.replace(/-/g, "").slice(-12).toUpperCase();
  return `HF-${tail.slice(0, 4)}-${tail.slice(4, 8)}-${tail.slice(8)}`;
}
