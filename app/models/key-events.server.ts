import type { Database } from "~/infra/db/db.server";
import { eventFromRow, holdOutcomes, type HoldfastEvent, type ReservationEventType } from "./events.server";
import type { ReservationLine, ReservationStatus } from "./reservation";

// An integrator key's event feed: what happened to the holds its customers
// made, read from the outbox, where each such event carries the key's id
// (events.server.ts, reservationEvents). The same event reads the same
// whether it is paged from the database or heard live from the hub.

// Every reservation event is in the feed, an extension too (the hold's
// deadline moved, which an integrator waiting on it must know) and a change
// of its lines, by its one word.
export const keyEventTypes = ["created", "confirmed", "released", "expired", "extended", "offered", "changed"] as const;
type KeyEventType = (typeof keyEventTypes)[number];
const feedType: Record<ReservationEventType, KeyEventType> = holdOutcomes;

const isFeedType = (type: string): type is ReservationEventType => Object.hasOwn(feedType, type);

export type KeyEvent = {
  id: number;
  type: KeyEventType;
  reservationId: string;
  status: ReservationStatus;
  expiresAt: number;
  items: ReservationLine[];
  createdAt: number;
};

// The payload reservationEvents writes: the status the change led to, the
// hold's deadline and its lines.
type ReservationPayload = { status: ReservationStatus; expiresAt: number; items: ReservationLine[] };

function keyEventOf(event: HoldfastEvent, apiKeyId: string): KeyEvent | null {
  if (event.apiKeyId !== apiKeyId || event.reservationId === null || !isFeedType(event.type)) return null;
  const payload = event.payload as ReservationPayload;
  return {
    id: event.id,
    type: feedType[event.type],
    reservationId: event.reservationId,
    status: payload.status,
    expiresAt: Number(payload.expiresAt),
    items: payload.items.map(({ productId, warehouseId, quantity }) => ({ productId, warehouseId, quantity })),
    createdAt: event.createdAt,
  };
}

const feedTypesSql = Object.keys(feedType)
  .map((type) => `'${type}'`)
  .join(", ");

// The key's events after `afterId`, oldest first, at most `limit`: the
// partial index events_api_key (api_key_id, id) walks exactly these rows.
export async function readKeyEvents({
  database,
  apiKeyId,
  afterId,
  limit,
}: {
  database: Database;
  apiKeyId: string;
  afterId: number;
  limit: number;
}): Promise<KeyEvent[]> {
  const result = await database.reader.execute({
    sql: `SELECT id, type, reservation_id, product_id, warehouse_id, payload, created_at, api_key_id
          FROM events
          WHERE api_key_id = :apiKeyId AND id > :afterId AND type IN (${feedTypesSql})
          ORDER BY id LIMIT :limit`,
    args: { apiKeyId, afterId, limit },
  });
  return result.rows.map(eventFromRow).flatMap((event) => keyEventOf(event, apiKeyId) ?? []);
}

// What a batch of the outbox (as the live hub hears it, in id order) holds
// for the key: its events, up to the key's revocation if the batch has it.
// The revocation's own audit entry is the signal, so a feed learns of it
// within a tick, from whichever machine revoked it, at no extra read.
export function keyEventsIn(batch: HoldfastEvent[], apiKeyId: string): { events: KeyEvent[]; revoked: boolean } {
  const events: KeyEvent[] = [];
  for (const event of batch) {
    if (event.type === "api_key_revoked" && event.payload.apiKeyId === apiKeyId) return { events, revoked: true };
    const mine = keyEventOf(event, apiKeyId);
    if (mine) events.push(mine);
  }
  return { events, revoked: false };
}

// Whether the key is still live: a feed that starts listening checks once,
// for a revocation that came between the key's check and the listening.
export async function isApiKeyLive({ database, id }: { database: Database; id: string }): Promise<boolean> {
  const result = await database.reader.execute({
    sql: `SELECT 1 FROM api_keys WHERE id = :id AND revoked_at IS NULL`,
    args: { id },
  });
  return result.rows.length > 0;
}
