import type { StockLevel } from "./inventory";

// A limited drop, as the shop, the console and the API show it (safe for
// the browser: no server code).

export type DropPhase = "upcoming" | "live" | "ended";

export type DropTerms = {
  startsAt: number;
  // null: open until an operator sets an end
  endsAt: number | null;
  holdTtlSeconds: number;
  maxPerCustomer: number;
  extensions: number;
};

export type Drop = DropTerms & {
  id: string;
  name: string;
  productIds: string[];
  createdAt: number;
  phase: DropPhase;
};

export const DROP_DEFAULTS = { holdTtlSeconds: 60, maxPerCustomer: 1, extensions: 0 } as const;

// Open from its start, up to but not at its end: the same boundaries the
// write that makes a hold applies.
export function dropPhase({ startsAt, endsAt }: Pick<DropTerms, "startsAt" | "endsAt">, now: number): DropPhase {
  if (now < startsAt) return "upcoming";
  if (endsAt !== null && now >= endsAt) return "ended";
  return "live";
}

// `ref` tells a shopper which line is theirs without naming the customer:
// the start of their customer key (itself a hash), never shown.
export type TopPurchaser = { displayName: string; units: number; ref: string };

export const waitlistStatuses = ["waiting", "offered", "lapsed"] as const;
export type WaitlistStatus = (typeof waitlistStatuses)[number];

// A customer's place in a drop's waiting line for one product: a position
// while in line (1 is next), the hold they were offered once they were.
export type WaitlistEntry = {
  productId: string;
  status: WaitlistStatus;
  position: number | null;
  reservationId: string | null;
};

export type DropProduct = {
  id: string;
  name: string;
  priceCents: number;
  currency: string;
  imageUrl: string;
  stock: StockLevel[];
  available: number;
  // customers in the waiting line for it now
  waiting: number;
};

// What one shopper has in a drop: the name they gave, their place in each
// product's line, and their holds on its products that are pending or paid.
export type DropShopper = {
  ref: string;
  displayName: string | null;
  lines: WaitlistEntry[];
  holds: { reservationId: string; productId: string; status: "pending" | "confirmed"; expiresAt: number }[];
};
