import { z } from "zod";

// Shared by the API, the UI and the tests: the words a caller can see.
export const reservationStatuses = ["pending", "confirmed", "released", "expired"] as const;
export type ReservationStatus = (typeof reservationStatuses)[number];

export const failureCodes = [
  "not_found",
  "insufficient_stock",
  "invalid_state",
  "reservation_expired",
  "extension_limit_reached",
] as const;
export type FailureCode = (typeof failureCodes)[number];

export const MAX_LINES_PER_HOLD = 20;
export const MAX_QUANTITY_PER_LINE = 100;

const idSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_-]+$/, "must be an id: letters, digits, '-' and '_'");

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
  items: ReservationItemView[];
};

export type HoldPolicy = {
  ttlMs: number;
  // each extension adds one TTL, at most this many times…
  maxExtensions: number;
  // …and never past this long after the hold was made
  maxHoldMs: number;
};

export function holdPolicy(ttlSeconds: number): HoldPolicy {
  return { ttlMs: ttlSeconds * 1000, maxExtensions: 2, maxHoldMs: 3 * ttlSeconds * 1000 };
}
