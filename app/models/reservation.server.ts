import { v7 as timeOrderedUuid } from "uuid";
import type { Database } from "~/infra/db/db.server";
import { randomBytesFromPool } from "~/infra/random.server";
import type { Customer } from "./customers.server";
import { ruleRefusal, type RuleRefusal } from "./hold-rules.server";
import { hashSecret, holderArgs, isHolder, type Holder } from "./holder.server";
import { readStock, type StockLevel } from "./inventory.server";
import {
  ID_PATTERN,
  type ClientLimit,
  RESERVATION_ID_PATTERN,
  type FairUse,
  type HoldPolicy,
  type ReservationLine,
  type ReservationView,
} from "./reservation";
import { reservationViewSql, toView, viewRowsById } from "./reservation-view.server";
import { reserveKind, type CartTake, type Quota } from "./reserve-plan.server";

// A hold's token: shown once to the API client that made the hold, stored
// only as its hash (holder.server.ts).
function newHoldToken(): string {
  return randomBytesFromPool(32).toString("base64url");
}

export type { ClientLimit } from "./reservation";

type ShortLine = ReservationLine & { available: number; stock: StockLevel[] };

// Who is asking for a hold, for the fair-use caps: the browser session when
// there is one, else the address; and the address in every case. Both are
// keyed by a hash (clientKeys below), never stored as they were sent. An
// integrator key is neither: its holds are its own, so the caps of the
// address it calls from (which anonymous shoppers may share) never count
// them.
export type Requester = { clientKey: string; addressKey: string };

export function clientKeys({
  sessionHash,
  address,
  apiKeyId = null,
}: {
  sessionHash: string | null;
  address: string;
  apiKeyId?: string | null;
}): Requester {
  if (apiKeyId !== null) {
    const keyKey = hashSecret(`key:${apiKeyId}`);
    return { clientKey: keyKey, addressKey: keyKey };
  }
  const addressKey = addressKeyOf(address);
  return { clientKey: sessionHash ? hashSecret(`session:${sessionHash}`) : addressKey, addressKey };
}

// An address's key, remembered: the same few addresses ask again and again
// (a proxy, a shop's backend), and hashing each request's afresh took about 1.5 %
// of the main thread on holds. Forgotten all at once when full, so a flood
// of addresses costs a rehash, never memory.
const addressKeys = new Map<string, string>();
const MAX_ADDRESS_KEYS = 10_000;

function addressKeyOf(address: string): string {
  let key = addressKeys.get(address);
  if (key === undefined) {
    key = hashSecret(`address:${address}`);
    if (addressKeys.size >= MAX_ADDRESS_KEYS) addressKeys.clear();
    addressKeys.set(address, key);
  }
  return key;
}

export type ReserveOutcome =
  | { ok: true; reservation: ReservationView; holdToken: string }
  | { ok: false; code: "not_found"; missing: ReservationLine[] }
  // archived, a drop not open, no customer, a customer's limit
  | ({ ok: false } & RuleRefusal)
  | { ok: false; code: "insufficient_stock"; short: ShortLine[] }
  | { ok: false; code: "client_limit_reached"; limit: ClientLimit };

// Hears every hold request's outcome, refusals too: a refusal leaves nothing
// in the outbox, so this is how the metrics count them.
export type ReserveObserver = (outcome: ReserveOutcome) => void;

// Several lines for the same row are one line: the guard compares each row's
// free units with everything this hold asks of it.
export function mergeLines(items: ReservationLine[]): ReservationLine[] {
  const merged = new Map<string, ReservationLine>();
  for (const item of items) {
    const key = JSON.stringify([item.productId, item.warehouseId]);
    const seen = merged.get(key);
    merged.set(key, seen ? { ...seen, quantity: seen.quantity + item.quantity } : { ...item });
  }
  return [...merged.values()];
}

// Hold every line or none. The decision is the database's, inside one
// guarded write shared with the other holds queued at the same moment (see
// reserve-plan.server.ts): expire the stale holds on the rows it touches,
// then insert the reservation only if every line's row has the units free.
// `observe` hears the outcome, whatever it is; it can never fail the hold.
export async function reserve({
  observe,
  ...request
}: Parameters<typeof decideHold>[0] & { observe?: ReserveObserver }): Promise<ReserveOutcome> {
  const outcome = await decideHold(request);
  try {
    observe?.(outcome);
  } catch {
    // the observer's own failure: the hold is made or refused all the same
  }
  return outcome;
}

async function decideHold({
  database,
  items,
  holder,
  requester,
  apiKeyId = null,
  customer = null,
  cart = null,
  fairUse,
  policy,
  now,
}: {
  database: Database;
  items: ReservationLine[];
  holder: { sessionHash: string | null };
  requester: Requester;
  // the integrator key the request came with: the hold is the key's to
  // act on, and the caps on anonymous callers and addresses are not its
  apiKeyId?: string | null;
  // who the hold is for (none: anonymous); a drop's product, or one with a
  // per-customer limit, is never held for nobody
  customer?: Customer | null;
  // a hold of the shopper's cart: made only if the cart is unchanged, and
  // takes its lines out of it in the same write
  cart?: CartTake | null;
  fairUse: FairUse;
  policy: HoldPolicy;
  now: number;
}): Promise<ReserveOutcome> {
  const lines = mergeLines(items);
  // an id that cannot exist names nothing: refused before any SQL
  const malformed = lines.filter((l) => !ID_PATTERN.test(l.productId) || !ID_PATTERN.test(l.warehouseId));
  if (malformed.length > 0) return { ok: false, code: "not_found", missing: malformed };
  // a key's customer came with that key
  const keyId = apiKeyId ?? customer?.apiKeyId ?? null;
  const quotas = quotasFor(requester, { viaKey: keyId !== null, customer }, fairUse);
  const holdToken = newHoldToken();
  const created = await database.submit(reserveKind, {
    // time-ordered, so a group's new rows share the last pages of every
    // index instead of each dirtying a page of its own: with random ids the
    // commit wrote 2.4 times as much (measured, 16 holds a group)
    id: timeOrderedUuid({ random: randomBytesFromPool(16) }),
    tokenHash: hashSecret(holdToken),
    sessionHash: holder.sessionHash,
    ...requester,
    customerKey: customer?.key ?? null,
    apiKeyId: keyId,
    displayName: customer?.displayName ?? null,
    now,
    ttlMs: policy.ttlMs,
    lines,
    quotas,
    cart,
  });
  if (created) return { ok: true, reservation: toView(created, policy, now), holdToken };
  // asked first: no wait or release could make these fit soon
  const refusal = await ruleRefusal({ database, lines, customer, holdsPerCustomer: fairUse.holdsPerCustomer, now });
  if (refusal) return { ok: false, ...refusal };
  const overLimit = await clientLimitReached({ database, quotas, lines, now });
  if (overLimit) return { ok: false, code: "client_limit_reached", limit: overLimit };
  return explainRefusal({ database, lines, now });
}

// An integrator's key answers for its own callers (it has its own rate
// limit, and its customers their own limits), so the caps on anonymous
// clients and on one address are for callers without a key.
function quotasFor(
  { clientKey, addressKey }: Requester,
  { viaKey, customer }: { viaKey: boolean; customer: Customer | null },
  fairUse: FairUse,
): Quota[] {
  const quotas: Quota[] = viaKey
    ? []
    : [
        { scope: "client", measure: "holds", owner: clientKey, limit: fairUse.holdsPerClient },
        { scope: "client", measure: "units", owner: clientKey, limit: fairUse.unitsPerClient },
        { scope: "address", measure: "units", owner: addressKey, limit: fairUse.unitsPerAddress },
      ];
  if (customer)
    quotas.push({ scope: "customer", measure: "holds", owner: customer.key, limit: fairUse.holdsPerCustomer });
  return quotas.filter((q) => q.limit > 0);
}

// Which cap refused the hold, if one did. The write decided; this read only
// says why, for the message (a client's own holds are what changes it, so
// it agrees with the write unless one of them ended in between).
export async function clientLimitReached({
  database,
  quotas,
  lines,
  now,
}: {
  database: Database;
  quotas: Quota[];
  lines: ReservationLine[];
  now: number;
}): Promise<ClientLimit | null> {
  const units = lines.reduce((sum, l) => sum + l.quantity, 0);
  for (const quota of quotas) {
    // a customer's own limit is explained with the other customer rules
    if (quota.scope === "customer") continue;
    const column = quota.scope === "client" ? "client_key" : "address_key";
    const result = await database.reader.execute({
      sql: `SELECT count(DISTINCT r.id) AS holds, coalesce(sum(ri.quantity), 0) AS units
            FROM reservations r CROSS JOIN reservation_items ri
            WHERE r.${column} = :owner AND r.status = 'pending' AND r.expires_at > :now AND ri.reservation_id = r.id`,
      args: { owner: quota.owner, now },
    });
    const row = result.rows[0];
    const pending = Number(quota.measure === "holds" ? row?.holds : row?.units);
    const requested = quota.measure === "holds" ? 1 : units;
    if (pending + requested > quota.limit) {
      return { scope: quota.scope, measure: quota.measure, limit: quota.limit, pending, requested };
    }
  }
  return null;
}

// Refusal is decided in the write; this read only says why, for the message.
export async function explainRefusal({
  database,
  lines,
  now,
}: {
  database: Database;
  lines: ReservationLine[];
  now: number;
}): Promise<ReserveOutcome> {
  const stock = await readStock({ database, productIds: lines.map((l) => l.productId), now });
  const level = (l: ReservationLine) =>
    stock.find((s) => s.productId === l.productId && s.warehouseId === l.warehouseId);
  const missing = lines.filter((l) => !level(l));
  if (missing.length > 0) return { ok: false, code: "not_found", missing };
  const checked = lines.map((l) => ({
    ...l,
    available: level(l)?.available ?? 0,
    stock: stock.filter((s) => s.productId === l.productId),
  }));
  const short = checked.filter((l) => l.available < l.quantity);
  // Every line fitting by now means units were freed after the write
  // decided; the answer is still the write's, so report every line.
  return { ok: false, code: "insufficient_stock", short: short.length > 0 ? short : checked };
}

// The holder's view of a hold, with expiry applied at `now` whether or not
// anything has swept. Anyone but the holder gets nothing at all.
export async function getReservation({
  database,
  id,
  holder,
  policy,
  now,
}: {
  database: Database;
  id: string;
  holder: Holder;
  policy: HoldPolicy;
  now: number;
}): Promise<ReservationView | null> {
  if (!RESERVATION_ID_PATTERN.test(id)) return null;
  const result = await database.reader.execute({
    sql: reservationViewSql(`r.id = :id AND ${isHolder}`),
    args: { id, ...holderArgs(holder) },
  });
  const rows = viewRowsById(result).get(id);
  return rows ? toView(rows, policy, now) : null;
}
