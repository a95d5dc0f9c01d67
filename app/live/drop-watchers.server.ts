import type { Clock } from "~/infra/clock.server";
import type { Database } from "~/infra/db/db.server";
import { dropPhase, type DropPhase } from "~/models/drop";
import { getDrop, type DropView } from "~/models/drop-views.server";
import type { HoldfastEvent } from "~/models/events.server";
import type { LiveDropMessage } from "./live";
import type { LiveStream } from "./subscribers.server";

// The drop pages' side of the hub: who watches which drop, and one read of
// a drop per tick for all its watchers when something touched it. Two kinds
// of things do: events (a hold, a payment, a restock of its products, a
// customer joining its line, an operator's change) and time, since a drop
// opens and ends by the clock with nothing written. The hub's tick checks
// both, so a page's button turns on within a tick of the start.

type Watched = {
  streams: Set<LiveStream<LiveDropMessage>>;
  // as last read: what it sells and when, to see which events and which
  // moments concern it
  view: DropView | null;
  phase: DropPhase | null;
  owesSnapshot: Set<LiveStream<LiveDropMessage>>;
};

function toLiveDrop(view: DropView, id: number): LiveDropMessage {
  return {
    id,
    phase: view.phase,
    products: view.products.map((p) => ({ id: p.id, available: p.available, waiting: p.waiting })),
    topPurchasers: view.topPurchasers,
  };
}

function touches(view: DropView | null, dropId: string, event: HoldfastEvent): boolean {
  if (event.payload.dropId === dropId) return true;
  if (!view) return false;
  if (event.productId !== null) return view.productIds.includes(event.productId);
  const items = event.payload.items;
  return (
    Array.isArray(items) &&
    items.some((item: { productId?: unknown }) => view.productIds.includes(String(item.productId)))
  );
}

export function createDropWatchers({
  database,
  clock,
  deliver,
}: {
  database: Database;
  clock: Clock;
  deliver: (stream: LiveStream<LiveDropMessage>, message: LiveDropMessage) => void;
}) {
  const watched = new Map<string, Watched>();

  return {
    add(dropId: string, stream: LiveStream<LiveDropMessage>, { snapshot }: { snapshot: boolean }) {
      const entry = watched.get(dropId) ?? { streams: new Set(), view: null, phase: null, owesSnapshot: new Set() };
      entry.streams.add(stream);
      if (snapshot || entry.view === null) entry.owesSnapshot.add(stream);
      watched.set(dropId, entry);
      return () => {
        entry.streams.delete(stream);
        entry.owesSnapshot.delete(stream);
        if (entry.streams.size === 0) watched.delete(dropId);
      };
    },
    // one tick: every drop that an event touched, whose phase the clock
    // moved, or whose new watchers are owed the current state
    async fanOut(events: HoldfastEvent[], cursor: number) {
      const now = clock();
      for (const [dropId, entry] of watched) {
        const moved = entry.view !== null && dropPhase(entry.view, now) !== entry.phase;
        const touched = events.some((e) => touches(entry.view, dropId, e));
        if (!moved && !touched && entry.owesSnapshot.size === 0) continue;
        const view = await getDrop({ database, id: dropId, now });
        if (!watched.has(dropId)) continue;
        entry.view = view;
        entry.phase = view?.phase ?? null;
        if (!view) continue;
        const message = toLiveDrop(view, cursor);
        const due = moved || touched ? entry.streams : entry.owesSnapshot;
        for (const stream of due) deliver(stream, message);
        entry.owesSnapshot.clear();
      }
    },
    count: () => [...watched.values()].reduce((n, entry) => n + entry.streams.size, 0),
    takeAll() {
      const streams = [...watched.values()].flatMap((entry) => [...entry.streams]);
      watched.clear();
      return streams;
    },
  };
}
