import type { Clock } from "~/infra/clock.server";
import type { Database } from "~/infra/db/db.server";
import { lastEventId, readEventsAfter, type HoldfastEvent } from "~/models/events.server";
import { readStock } from "~/models/inventory.server";
import type { ReservationStatus } from "~/models/reservation";
import { createDropWatchers } from "./drop-watchers.server";
import type { LiveConsoleMessage, LiveDropMessage, LiveReservationMessage, LiveStockMessage } from "./live";
import { createRecentEvents } from "./recent-events.server";
import { createSubscribers, type LiveStream, type StockSubscriber } from "./subscribers.server";

// The live side of the outbox (ARCHITECTURE.md, "The outbox"): one hub per process
// tails the events table — one query per tick for the whole process, never
// one per connected browser — and fans what changed out to the streams that
// watch it.

export type { LiveStream } from "./subscribers.server";

export type LiveHub = {
  // the last event this process has fanned out: a page rendered now is
  // current up to here, so its stream can start from it
  cursor: () => number;
  // `after`: the last event the browser has seen (Last-Event-ID), or null
  // when it has seen nothing and needs the current state first
  watchStock: (input: {
    productIds: string[];
    after: number | null;
    stream: LiveStream<LiveStockMessage>;
  }) => () => void;
  watchReservation: (input: {
    reservationId: string;
    after: number | null;
    // the holder's view, read just before watching
    current: { status: ReservationStatus; expiresAt: number };
    stream: LiveStream<LiveReservationMessage>;
  }) => () => void;
  // the console: one message per tick in which anything happened, and one
  // at once if the browser missed something
  watchEverything: (input: { after: number | null; stream: LiveStream<LiveConsoleMessage> }) => () => void;
  // a drop's page: its phase, stock, waiting lines and top purchasers,
  // whenever an event touches it or the clock opens or ends it
  watchDrop: (input: { dropId: string; after: number | null; stream: LiveStream<LiveDropMessage> }) => () => void;
  subscriberCount: () => number;
  // false once the hub is stopping: new streams are turned away
  accepting: () => boolean;
  // runs one tick now; the timer calls it, tests may too
  tick: () => Promise<void>;
  // hears every event this process tails, once, in order (the metrics
  // count what happened from the outbox, whichever process did it)
  observe: (listener: (events: HoldfastEvent[]) => void) => () => void;
  // shutdown: stops tailing, waits for a tick in flight and closes every
  // stream with a reconnect hint
  stop: () => Promise<void>;
};

export async function startLiveHub({
  database,
  clock,
  intervalMs = 250,
  batchSize = 500,
  historySize = 10_000,
  reconnectHintMs = 1_000,
  log = console.error,
}: {
  database: Database;
  clock: Clock;
  intervalMs?: number;
  batchSize?: number;
  historySize?: number;
  reconnectHintMs?: number;
  log?: (message: string) => void;
}): Promise<LiveHub> {
  // Start from the newest event: the history before this process is in the
  // database, and a browser that needs it gets a snapshot instead.
  let cursor = await lastEventId(database);
  const recent = createRecentEvents({ from: cursor, size: historySize });
  const subscribers = createSubscribers();
  let timer: NodeJS.Timeout | null = null;
  let inFlight: Promise<void> = Promise.resolve();
  let stopped = false;
  let failing = false;
  const observers = new Set<(events: HoldfastEvent[]) => void>();

  function deliver<M>(stream: LiveStream<M>, message: M) {
    try {
      stream.send(message);
    } catch (error) {
      log(`live: dropping a message for a broken stream: ${String(error)}`);
    }
  }
  const drops = createDropWatchers({ database, clock, deliver });

  // One readStock for every stream that changed or owes a snapshot, then
  // each gets the whole current state of what it watches: one message for
  // all the streams that watch the same products, so it is serialised once.
  async function fanOutStock(changed: Set<string>, id: number) {
    const due = new Set<StockSubscriber>();
    for (const productId of changed) for (const s of subscribers.watchingProduct(productId)) due.add(s);
    for (const s of subscribers.stock) if (s.needsSnapshot) due.add(s);
    if (due.size === 0) return;
    const productIds = new Set<string>();
    for (const s of due) for (const p of s.productIds) productIds.add(p);
    const levels = await readStock({ database, productIds: [...productIds], now: clock() });
    const available = new Map<string, Record<string, number>>();
    for (const level of levels) {
      const row = available.get(level.productId) ?? {};
      row[level.warehouseId] = level.available;
      available.set(level.productId, row);
    }
    const messages = new Map<string, LiveStockMessage>();
    for (const s of due) {
      // it may have gone while the stock was being read
      if (!subscribers.stock.has(s)) continue;
      s.needsSnapshot = false;
      let message = messages.get(s.watching);
      if (!message) {
        const stock: LiveStockMessage["stock"] = {};
        for (const p of s.productIds) stock[p] = available.get(p) ?? {};
        message = { id, stock };
        messages.set(s.watching, message);
      }
      deliver(s.stream, message);
    }
  }

  function fanOutReservations(events: HoldfastEvent[]) {
    for (const e of events) {
      if (!e.reservationId || !e.type.startsWith("reservation_")) continue;
      const watchers = subscribers.watchingReservation(e.reservationId);
      if (!watchers) continue;
      const message: LiveReservationMessage = {
        id: e.id,
        status: e.payload.status as ReservationStatus,
        expiresAt: Number(e.payload.expiresAt),
      };
      for (const s of watchers) deliver(s.stream, message);
    }
  }

  async function tick() {
    const events = await readEventsAfter({ database, afterId: cursor, limit: batchSize });
    const last = events[events.length - 1];
    if (last) {
      cursor = last.id;
      recent.remember(events);
      for (const observer of observers) {
        try {
          observer(events);
        } catch (error) {
          log(`live: an observer failed: ${String(error)}`);
        }
      }
    }
    const changed = new Set<string>();
    for (const e of events) if (e.type === "stock_changed" && e.productId) changed.add(e.productId);
    fanOutReservations(events);
    if (last) {
      const message = { id: cursor };
      for (const stream of subscribers.consoles) deliver(stream, message);
    }
    await fanOutStock(changed, cursor);
    await drops.fanOut(events, cursor);
    if (events.length === batchSize) await tick();
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = tick()
        .then(() => {
          if (failing) log("live: reading events again");
          failing = false;
        })
        .catch((error: unknown) => {
          // a busy or unreachable database skips this tick; the next one
          // reads from the same cursor, so nothing is lost
          if (!failing) log(`live: could not read events: ${String(error)}`);
          failing = true;
        })
        .finally(schedule);
    }, intervalMs);
    timer.unref();
  }
  schedule();

  function closeStreams() {
    // spread the reconnects so the browsers don't all come back at once
    for (const stream of [...subscribers.takeAll(), ...drops.takeAll()]) {
      stream.close(reconnectHintMs + Math.floor(Math.random() * reconnectHintMs));
    }
  }

  return {
    cursor: () => cursor,
    watchStock({ productIds, after, stream }) {
      const watched = new Set(productIds);
      const sorted = [...watched].sort();
      return subscribers.addStock({
        productIds: sorted,
        watching: sorted.join(","),
        stream,
        needsSnapshot:
          after === null || recent.missed(after, (seen) => seen.productId !== null && watched.has(seen.productId)),
      });
    },
    watchReservation({ reservationId, after, current, stream }) {
      const unsubscribe = subscribers.addReservation({ reservationId, stream });
      // The page reloads its data on any message, so the view read before
      // watching is enough even if it is already stale: what matters is
      // that a browser which missed a change hears about it.
      if (after === null || recent.missed(after, (seen) => seen.reservationId === reservationId)) {
        deliver(stream, { id: cursor, ...current });
      }
      return unsubscribe;
    },
    watchEverything({ after, stream }) {
      const unsubscribe = subscribers.addConsole(stream);
      if (after === null || after < cursor) deliver(stream, { id: cursor });
      return unsubscribe;
    },
    watchDrop({ dropId, after, stream }) {
      // a browser that missed anything gets the whole current state
      return drops.add(dropId, stream, { snapshot: after === null || after < cursor });
    },
    subscriberCount: () => subscribers.count() + drops.count(),
    observe(listener) {
      observers.add(listener);
      return () => observers.delete(listener);
    },
    tick,
    accepting: () => !stopped,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      closeStreams();
      await inFlight;
    },
  };
}
