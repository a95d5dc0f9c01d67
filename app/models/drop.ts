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

export type TopPurchaser = { displayName: string; units: number };

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
