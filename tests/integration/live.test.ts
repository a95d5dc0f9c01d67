import { afterEach, describe, expect, test, vi } from "vitest";
import type { Database } from "~/infra/db/db.server";
import type { LiveDropMessage, LiveReservationMessage, LiveStockMessage } from "~/live/live";
import { startLiveHub, type LiveStream } from "~/live/live.server";
import { createHeartbeat, eventStream, type SseChannel } from "~/live/sse.server";
import { integratorCustomer } from "~/models/customers.server";
import { createDrop } from "~/models/drops.server";
import { confirm } from "~/models/hold-changes.server";
import { hashSecret } from "~/models/holder.server";
import { holdPolicy } from "~/models/reservation";
import { reserve } from "~/models/reservation.server";
import { addProduct, freshDatabase, uncapped } from "../helpers/database";
import { readUntil } from "../helpers/raw-http";

const policy = holdPolicy(600);
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const done of cleanup.splice(0).reverse()) await done();
});

type Recorder<M> = LiveStream<M> & { messages: M[]; closedWith: number | null };

function recorder<M>(): Recorder<M> {
  const r: Recorder<M> = {
    messages: [],
    closedWith: null,
    send: (m) => r.messages.push(m),
    close: (ms) => (r.closedWith = ms),
  };
  return r;
}

async function setup(now: { t: number }) {
  const database = await freshDatabase();
  await addProduct(database, { id: "lamp", rows: { "blr-01": 5, "del-01": 2 } });
  await addProduct(database, { id: "kettle", rows: { "blr-01": 9 } });
  // the timer is slowed right down: the tests tick by hand
  const hub = await startLiveHub({ database, clock: () => now.t, intervalMs: 60_000, log: () => {} });
  cleanup.push(
    () => database.close(),
    () => hub.stop(),
  );
  return { database, hub };
}

async function hold(database: Database, now: number, productId = "lamp", quantity = 1) {
  const outcome = await reserve({
    database,
    items: [{ productId, warehouseId: "blr-01", quantity }],
    holder: { sessionHash: null },
    ...uncapped,
    policy,
    now,
  });
  if (!outcome.ok) throw new Error(outcome.code);
  return { id: outcome.reservation.id, holder: { tokenHash: hashSecret(outcome.holdToken), sessionHash: null } };
}

// Counts the queries the hub makes, however many browsers are watching.
function countQueries(database: Database): () => number {
  let count = 0;
  const execute = database.reader.execute.bind(database.reader);
  database.reader.execute = ((...args: Parameters<typeof execute>) => {
    count++;
    return execute(...args);
  }) as typeof database.reader.execute;
  return () => count;
}

describe("the live hub", () => {
  test("one tick is one events query and one stock query for the whole process, fanned out to every watcher", async () => {
    const now = { t: 1_000_000 };
    const { database, hub } = await setup(now);
    const watchers = Array.from({ length: 50 }, () => recorder<LiveStockMessage>());
    for (const stream of watchers) hub.watchStock({ productIds: ["lamp", "kettle"], after: hub.cursor(), stream });
    const kettleOnly = recorder<LiveStockMessage>();
    hub.watchStock({ productIds: ["kettle"], after: hub.cursor(), stream: kettleOnly });

    await hold(database, now.t, "lamp", 2);
    const queries = countQueries(database);
    await hub.tick();

    expect(queries()).toBe(2);
    for (const w of watchers) {
      expect(w.messages).toEqual([
        { id: hub.cursor(), stock: { lamp: { "blr-01": 3, "del-01": 2 }, kettle: { "blr-01": 9 } } },
      ]);
    }
    // nothing it watches changed
    expect(kettleOnly.messages).toEqual([]);
    await hub.tick();
    expect(queries()).toBe(3);
  });

  test("streams that watch the same products, in any order, share one message object", async () => {
    const now = { t: 1_000_000 };
    const { database, hub } = await setup(now);
    const both = Array.from({ length: 200 }, (_, i) => {
      const stream = recorder<LiveStockMessage>();
      hub.watchStock({
        productIds: i % 2 ? ["lamp", "kettle"] : ["kettle", "lamp", "lamp"],
        after: hub.cursor(),
        stream,
      });
      return stream;
    });
    const lampOnly = Array.from({ length: 100 }, () => {
      const stream = recorder<LiveStockMessage>();
      hub.watchStock({ productIds: ["lamp"], after: hub.cursor(), stream });
      return stream;
    });

    await hold(database, now.t, "lamp", 1);
    await hub.tick();

    expect(new Set(both.map((s) => s.messages[0])).size).toBe(1);
    expect(new Set(lampOnly.map((s) => s.messages[0])).size).toBe(1);
    expect(both[0]!.messages).toEqual([
      { id: hub.cursor(), stock: { lamp: { "blr-01": 4, "del-01": 2 }, kettle: { "blr-01": 9 } } },
    ]);
    expect(lampOnly[0]!.messages).toEqual([{ id: hub.cursor(), stock: { lamp: { "blr-01": 4, "del-01": 2 } } }]);
  });

  test("availability never counts a hold past its expiry", async () => {
    const now = { t: 1_000_000 };
    const { database, hub } = await setup(now);
    await hold(database, now.t, "lamp", 3);
    await hub.tick();
    const stream = recorder<LiveStockMessage>();
    hub.watchStock({ productIds: ["lamp"], after: hub.cursor(), stream });
    now.t += policy.ttlMs;
    // a change to the row reaches the watchers with the dead hold not counted
    await hold(database, now.t, "lamp", 1);
    await hub.tick();
    expect(stream.messages.at(-1)?.stock.lamp?.["blr-01"]).toBe(4);
  });

  test("a browser with nothing, or that missed a change, gets the current state; one that is up to date gets nothing", async () => {
    const now = { t: 1_000_000 };
    const { database, hub } = await setup(now);
    const seen = hub.cursor();
    await hold(database, now.t);
    await hub.tick();

    const fresh = recorder<LiveStockMessage>();
    const missed = recorder<LiveStockMessage>();
    const current = recorder<LiveStockMessage>();
    const elsewhere = recorder<LiveStockMessage>();
    hub.watchStock({ productIds: ["lamp"], after: null, stream: fresh });
    hub.watchStock({ productIds: ["lamp"], after: seen, stream: missed });
    hub.watchStock({ productIds: ["lamp"], after: hub.cursor(), stream: current });
    hub.watchStock({ productIds: ["kettle"], after: seen, stream: elsewhere });
    await hub.tick();

    expect(fresh.messages).toEqual([{ id: hub.cursor(), stock: { lamp: { "blr-01": 4, "del-01": 2 } } }]);
    expect(missed.messages).toEqual(fresh.messages);
    expect(current.messages).toEqual([]);
    expect(elsewhere.messages).toEqual([]);
  });

  test("a browser that comes back from before this process's memory gets the current state", async () => {
    const now = { t: 1_000_000 };
    const database = await freshDatabase();
    await addProduct(database, { id: "lamp", rows: { "blr-01": 50 } });
    const hub = await startLiveHub({ database, clock: () => now.t, intervalMs: 60_000, historySize: 4, log: () => {} });
    cleanup.push(
      () => database.close(),
      () => hub.stop(),
    );
    const seen = hub.cursor();
    // three holds, six events: more than it remembers
    for (let i = 0; i < 3; i++) await hold(database, now.t);
    await hub.tick();
    const stream = recorder<LiveStockMessage>();
    hub.watchStock({ productIds: ["kettle-not-here"], after: seen, stream });
    await hub.tick();
    expect(stream.messages).toHaveLength(1);
  });

  test("the holder's stream hears every change of status, and a stale reconnect hears the current one", async () => {
    const now = { t: 1_000_000 };
    const { database, hub } = await setup(now);
    const { id, holder } = await hold(database, now.t);
    await hub.tick();
    const seen = hub.cursor();
    const stream = recorder<LiveReservationMessage>();
    hub.watchReservation({
      reservationId: id,
      after: seen,
      current: { status: "pending", expiresAt: now.t + policy.ttlMs },
      stream,
    });
    expect(stream.messages).toEqual([]);

    await confirm({ database, id, holder, policy, now: now.t + 1 });
    await hub.tick();
    expect(stream.messages.map((m) => m.status)).toEqual(["confirmed"]);
    expect(stream.messages[0]!.id).toBe(hub.cursor());

    const late = recorder<LiveReservationMessage>();
    hub.watchReservation({
      reservationId: id,
      after: seen,
      current: { status: "confirmed", expiresAt: now.t + policy.ttlMs },
      stream: late,
    });
    expect(late.messages.map((m) => m.status)).toEqual(["confirmed"]);
  });

  test("stopping closes every stream with a spread-out reconnect hint and forgets them", async () => {
    const now = { t: 1_000_000 };
    const { hub } = await setup(now);
    const streams = [recorder<LiveStockMessage>(), recorder<LiveStockMessage>()];
    for (const stream of streams) hub.watchStock({ productIds: ["lamp"], after: null, stream });
    expect(hub.subscriberCount()).toBe(2);
    await hub.stop();
    for (const s of streams) expect(s.closedWith).toBeGreaterThanOrEqual(1_000);
    expect(hub.subscriberCount()).toBe(0);
    expect(hub.accepting()).toBe(false);
  });

  test("an unsubscribed stream is gone at once", async () => {
    const now = { t: 1_000_000 };
    const { database, hub } = await setup(now);
    const stream = recorder<LiveStockMessage>();
    const unsubscribe = hub.watchStock({ productIds: ["lamp"], after: hub.cursor(), stream });
    unsubscribe();
    expect(hub.subscriberCount()).toBe(0);
    await hold(database, now.t);
    await hub.tick();
    expect(stream.messages).toEqual([]);
  });
});

describe("the event stream", () => {
  test("starts with a retry hint, frames carry ids, heartbeats are comments, and the end unsubscribes at once", async () => {
    const abort = new AbortController();
    let unsubscribed = 0;
    let channel: Parameters<Parameters<typeof eventStream>[1]>[0] | undefined;
    const response = eventStream(
      new Request("http://shop.test/stock/events", { signal: abort.signal }),
      (c) => {
        channel = c;
        return () => unsubscribed++;
      },
      { heartbeat: createHeartbeat(20), retryMs: 1234 },
    );
    expect(response.headers.get("Content-Type")).toBe("text/event-stream");
    expect(response.headers.get("X-Accel-Buffering")).toBe("no");
    expect(response.headers.get("Cache-Control")).toContain("no-transform");

    const reader = response.body!.getReader();
    channel!.send({ event: "stock", id: 7, data: { id: 7, stock: {} } });
    const text = await readUntil(reader, (t) => t.includes(": heartbeat\n\n"));
    expect(text.startsWith("retry: 1234\n\n")).toBe(true);
    expect(text).toContain(`event: stock\ndata: {"id":7,"stock":{}}\nid: 7\n\n`);

    abort.abort();
    expect(unsubscribed).toBe(1);
    // the browser has gone: sending is a no-op, never a throw
    expect(() => channel!.send({ event: "stock", id: 8, data: {} })).not.toThrow();
    await readUntil(reader, () => false);
    expect(unsubscribed).toBe(1);
  });

  test("a close from the server sends the reconnect hint, then ends the stream", async () => {
    let unsubscribed = 0;
    const response = eventStream(new Request("http://shop.test/x"), (channel) => {
      setTimeout(() => channel.close(1500), 5);
      return () => unsubscribed++;
    });
    const text = await readUntil(response.body!.getReader(), () => false);
    expect(text).toBe("retry: 2000\n\nretry: 1500\n\n");
    expect(unsubscribed).toBe(1);
  });
});

describe("the event stream, many at once", () => {
  test("a message sent to many streams is serialised once, and each gets the same frame", async () => {
    const channels: SseChannel[] = [];
    const bodies = Array.from({ length: 100 }, () =>
      eventStream(new Request("http://shop.test/stock/events"), (channel) => {
        channels.push(channel);
        return () => {};
      }).body!.getReader(),
    );
    const stringify = vi.spyOn(JSON, "stringify");
    const message = { id: 9, stock: { lamp: { "blr-01": 4 } } };
    for (const channel of channels) channel.send({ event: "stock", id: 9, data: message });
    expect(stringify).toHaveBeenCalledTimes(1);
    stringify.mockRestore();
    for (const body of bodies) {
      const text = await readUntil(body, (t) => t.includes("id: 9\n\n"));
      expect(text).toBe(`retry: 2000\n\nevent: stock\ndata: {"id":9,"stock":{"lamp":{"blr-01":4}}}\nid: 9\n\n`);
    }
  });

  test("one heartbeat timer serves every stream, and stops with the last", async () => {
    vi.useFakeTimers();
    cleanup.push(async () => vi.useRealTimers());
    const heartbeat = createHeartbeat(1_000);
    const aborts = Array.from({ length: 50 }, () => new AbortController());
    const bodies = aborts.map((abort) =>
      eventStream(new Request("http://shop.test/stock/events", { signal: abort.signal }), () => () => {}, {
        heartbeat,
      }).body!.getReader(),
    );
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(1_000);
    for (const body of bodies)
      expect(await readUntil(body, (t) => t.includes(": heartbeat"))).toContain(": heartbeat\n\n");
    for (const abort of aborts.slice(1)) abort.abort();
    expect(vi.getTimerCount()).toBe(1);
    aborts[0]!.abort();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("a drop's watchers", () => {
  test("hear the drop open when the clock reaches its start, with nothing written, and each hold on it", async () => {
    const now = { t: 1_000 };
    const { database, hub } = await setup(now);
    const made = await createDrop({
      database,
      drop: {
        name: "Lamp drop",
        productIds: ["lamp"],
        startsAt: 5_000,
        endsAt: 9_000,
        holdTtlSeconds: 60,
        maxPerCustomer: 1,
        extensions: 0,
      },
      operator: "ops",
      now: now.t,
    });
    if (!made.ok) throw new Error(made.code);
    const watcher = recorder<LiveDropMessage>();
    const unwatch = hub.watchDrop({ dropId: made.drop.id, after: null, stream: watcher });
    cleanup.push(async () => unwatch());
    await hub.tick();
    expect(watcher.messages.map((m) => m.phase)).toEqual(["upcoming"]);

    now.t = 4_999;
    await hub.tick();
    now.t = 5_000;
    await hub.tick();
    expect(watcher.messages.map((m) => m.phase)).toEqual(["upcoming", "live"]);

    const customer = integratorCustomer({ apiKeyId: "key-1", id: "c1", displayName: "Ada" });
    const held = await reserve({
      database,
      items: [{ productId: "lamp", warehouseId: "blr-01", quantity: 1 }],
      holder: { sessionHash: null },
      ...uncapped,
      customer,
      policy,
      now: now.t,
    });
    expect(held.ok).toBe(true);
    await hub.tick();
    expect(watcher.messages.at(-1)).toMatchObject({ phase: "live", products: [{ id: "lamp", available: 6 }] });

    now.t = 9_000;
    await hub.tick();
    expect(watcher.messages.at(-1)?.phase).toBe("ended");
  });
});
