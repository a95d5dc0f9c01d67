import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { keyEventsPage } from "~/api/key-events-contract.server";
import { bearer, call, setStock } from "../helpers/api";
import { testDatabaseUrl } from "../helpers/database";
import { noClientLimits, startServer, testSecrets, type RunningServer } from "../helpers/server";

// An integrator key's event feed, GET /api/events, against the production
// build: only the key's customers' holds, in id order, from a cursor; as
// JSON pages, or as a stream that replays from Last-Event-ID and then goes
// on live, and ends when the key is revoked.

let server: RunningServer;
const url = testDatabaseUrl();
const admin = { Authorization: `Bearer ${testSecrets.ADMIN_TOKEN}`, "X-Operator": "Kavya" };
const line = { productId: "saffron-notebook", warehouseId: "del-01", quantity: 1 };

beforeAll(async () => {
  server = await startServer({ DATABASE_URL: url, ...noClientLimits });
  await setStock(url, line.productId, line.warehouseId, 1000);
});
afterAll(async () => {
  await server.stop();
});

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const done of cleanup.splice(0).reverse()) await done();
});

type Key = { id: string; key: string };

async function makeKey(name: string, base = server.url): Promise<Key> {
  const made = await call(base, "/api/admin/api-keys", { method: "POST", body: { name }, headers: admin });
  expect(made.status).toBe(201);
  const { apiKey, key } = made.body as { apiKey: { id: string }; key: string };
  return { id: apiKey.id, key };
}

async function holdFor({ key }: Key, customer: string, base = server.url): Promise<string> {
  const made = await call(base, "/api/reservations", {
    method: "POST",
    body: { ...line, customer: { id: customer } },
    headers: bearer(key),
  });
  expect(made.status).toBe(201);
  return (made.body as { reservation: { id: string } }).reservation.id;
}

async function act({ key }: Key, reservationId: string, action: "confirm" | "release") {
  const done = await call(server.url, `/api/reservations/${reservationId}/${action}`, {
    method: "POST",
    headers: bearer(key),
  });
  expect(done.status).toBe(200);
}

async function feed({ key }: Key, query = "") {
  const answer = await call(server.url, `/api/events${query}`, { headers: bearer(key) });
  expect(answer.status, answer.text).toBe(200);
  return keyEventsPage.strict().parse(answer.body);
}

type Frame = { event: string; id: number; data: { id: number; type: string; reservationId: string } };

const framePattern = /event: (\w+)\ndata: (.*)\nid: (\d+)\n\n/g;

// A stream read frame by frame; each read fails if what it waits for has
// not come within its deadline.
async function openStream({ key }: Key, { query = "", headers = {}, base = server.url } = {}) {
  const abort = new AbortController();
  cleanup.push(() => abort.abort());
  const response = await fetch(`${base}/api/events${query}`, {
    headers: { ...bearer(key), Accept: "text/event-stream", ...headers },
    signal: abort.signal,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let taken = 0;
  let ended = false;
  const frames = (): Frame[] =>
    [...text.matchAll(framePattern)].map((m) => ({
      event: m[1]!,
      data: JSON.parse(m[2]!) as Frame["data"],
      id: Number(m[3]),
    }));
  async function readWhile(more: () => boolean, deadlineMs: number) {
    const deadline = setTimeout(() => abort.abort(), deadlineMs);
    try {
      while (!ended && more()) {
        const chunk = await reader.read();
        if (chunk.done) ended = true;
        else text += decoder.decode(chunk.value, { stream: true });
      }
    } catch (error) {
      throw new Error(`the stream did not deliver within ${deadlineMs} ms; so far:\n${text}`, { cause: error });
    } finally {
      clearTimeout(deadline);
    }
  }
  return {
    // the next `count` frames
    async next(count: number, deadlineMs = 5_000): Promise<Frame[]> {
      await readWhile(() => frames().length < taken + count, deadlineMs);
      const got = frames().slice(taken, taken + count);
      taken += got.length;
      expect(got).toHaveLength(count);
      return got;
    },
    // resolves once the server has ended the stream
    async end(deadlineMs = 5_000) {
      await readWhile(() => true, deadlineMs);
    },
    close: () => abort.abort(),
  };
}

describe("the JSON feed", () => {
  test("has the key's customers' events only, in order, each with its hold's lines and status", async () => {
    const mine = await makeKey("Feed: mine");
    const theirs = await makeKey("Feed: theirs");
    const paid = await holdFor(mine, "asha");
    await act(mine, paid, "confirm");
    const theirHold = await holdFor(theirs, "asha");
    const dropped = await holdFor(mine, "ravi");
    await act(mine, dropped, "release");
    // a hold without a key is nobody's
    expect((await call(server.url, "/api/reservations", { method: "POST", body: line })).status).toBe(201);

    const page = await feed(mine);
    expect(page.events.map((e) => [e.type, e.reservationId, e.status])).toEqual([
      ["created", paid, "pending"],
      ["confirmed", paid, "confirmed"],
      ["created", dropped, "pending"],
      ["released", dropped, "released"],
    ]);
    const ids = page.events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(page.next).toBe(ids.at(-1));
    for (const e of page.events) {
      expect(e.items).toEqual([line]);
      expect(Date.parse(e.expiresAt)).toBeGreaterThan(Date.parse(e.createdAt));
    }

    const other = await feed(theirs);
    expect(other.events.map((e) => [e.type, e.reservationId])).toEqual([["created", theirHold]]);
  });

  test("pages with limit and after; past the end it is empty and next stays put", async () => {
    const key = await makeKey("Feed: pages");
    for (const customer of ["c1", "c2", "c3"]) await holdFor(key, customer);
    const all = await feed(key);
    expect(all.events).toHaveLength(3);

    const first = await feed(key, "?limit=2");
    expect(first.events).toEqual(all.events.slice(0, 2));
    expect(first.next).toBe(all.events[1]!.id);
    const second = await feed(key, `?limit=2&after=${first.next}`);
    expect(second.events).toEqual(all.events.slice(2));
    const past = await feed(key, `?after=${second.next}`);
    expect(past).toEqual({ events: [], next: second.next });
    expect(await feed(key, `?after=${all.events[0]!.id - 1}`)).toEqual(all);
  });

  test("no key, a hold token, or an unknown or revoked key is 401", async () => {
    const noKey = await call(server.url, "/api/events");
    expect(noKey.status).toBe(401);
    expect(noKey.headers.get("www-authenticate")).toBe("Bearer");
    expect(noKey.body).toMatchObject({
      error: { code: "unauthorized", message: expect.stringContaining("integrator key") },
    });

    const made = await call(server.url, "/api/reservations", { method: "POST", body: line });
    const { holdToken } = made.body as { holdToken: string };
    expect((await call(server.url, "/api/events", { headers: bearer(holdToken) })).status).toBe(401);

    const revoked = await makeKey("Feed: revoked");
    expect(
      (await call(server.url, `/api/admin/api-keys/${revoked.id}`, { method: "DELETE", headers: admin })).status,
    ).toBe(200);
    for (const key of [revoked.key, `hfk_${"A".repeat(43)}`]) {
      const refused = await call(server.url, "/api/events", { headers: bearer(key) });
      expect(refused.status).toBe(401);
      expect(refused.body).toMatchObject({
        error: { code: "unauthorized", message: expect.stringContaining("revoked") },
      });
    }
  });

  test("a bad query is 400 naming the field", async () => {
    const key = await makeKey("Feed: bad queries");
    for (const [query, field] of [
      ["after=-1", "after"],
      ["after=abc", "after"],
      ["after=1.5", "after"],
      ["after=", "after"],
      ["limit=0", "limit"],
      ["limit=501", "limit"],
      ["limit=ten", "limit"],
      ["limit=2.5", "limit"],
      ["since=4", "since"],
    ] as const) {
      const answer = await call(server.url, `/api/events?${query}`, { headers: bearer(key.key) });
      expect(answer.status, query).toBe(400);
      expect(answer.body, query).toMatchObject({
        error: { code: "validation_error", message: expect.stringContaining(field) },
      });
    }
    const stream = await fetch(`${server.url}/api/events`, {
      headers: { ...bearer(key.key), Accept: "text/event-stream", "Last-Event-ID": "twelve" },
    });
    expect(stream.status).toBe(400);
    expect(await stream.json()).toMatchObject({
      error: { code: "validation_error", message: expect.stringContaining("Last-Event-ID") },
    });
  });
});

describe("the stream", () => {
  test("replays after Last-Event-ID, then delivers new events live, the key's only", async () => {
    const key = await makeKey("Stream: resume");
    const other = await makeKey("Stream: other");
    const first = await holdFor(key, "meera");
    await act(key, first, "confirm");
    const [created, confirmed] = (await feed(key)).events;

    const stream = await openStream(key, { headers: { "Last-Event-ID": String(created!.id) } });
    const [replayed] = await stream.next(1);
    expect(replayed).toMatchObject({
      event: "reservation",
      id: confirmed!.id,
      data: { ...confirmed, id: confirmed!.id },
    });

    await holdFor(other, "meera");
    const second = await holdFor(key, "meera");
    const [live] = await stream.next(1);
    expect(live!.data).toMatchObject({ type: "created", reservationId: second });
    expect(live!.id).toBe(live!.data.id);
    expect((await feed(key, `?after=${confirmed!.id}`)).events.map((e) => e.id)).toEqual([live!.id]);
  });

  test("starts from ?after= without a Last-Event-ID, and from now without either", async () => {
    const key = await makeKey("Stream: start");
    const old = await holdFor(key, "kiran");
    const fromStart = await openStream(key, { query: "?after=0" });
    expect((await fromStart.next(1))[0]!.data).toMatchObject({ type: "created", reservationId: old });

    const fromNow = await openStream(key);
    const fresh = await holdFor(key, "kiran");
    expect((await fromNow.next(1))[0]!.data).toMatchObject({ type: "created", reservationId: fresh });
  });

  test("while holds are being made, the replay and the live part together send each event once, in order", async () => {
    const key = await makeKey("Stream: seam");
    const making = (async () => {
      for (let i = 0; i < 30; i++) await holdFor(key, `busy-${i}`);
    })();
    // opened while the holds are being made, so some are replayed and some heard live
    await holdFor(key, "first");
    const stream = await openStream(key, { query: "?after=0" });
    await making;
    const expected = (await feed(key)).events;
    expect(expected).toHaveLength(31);
    const frames = await stream.next(expected.length, 10_000);
    expect(frames.map((f) => f.id)).toEqual(expected.map((e) => e.id));
    expect(frames.map((f) => f.data)).toEqual(expected);
  });

  test("ends when the key is revoked, and the key's reconnect is refused", async () => {
    const key = await makeKey("Stream: revoked");
    const stream = await openStream(key, { query: "?after=0" });
    await holdFor(key, "dev");
    await stream.next(1);
    const revoked = await call(server.url, `/api/admin/api-keys/${key.id}`, { method: "DELETE", headers: admin });
    expect(revoked.status).toBe(200);
    await stream.end();
    const again = await fetch(`${server.url}/api/events`, {
      headers: { ...bearer(key.key), Accept: "text/event-stream" },
    });
    expect(again.status).toBe(401);
  });

  test("takes a stream slot, and gives it back once the client has gone", async () => {
    const slotsUrl = testDatabaseUrl();
    const small = await startServer({ DATABASE_URL: slotsUrl, ...noClientLimits, MAX_LIVE_STREAMS_PER_CLIENT: "2" });
    cleanup.push(() => small.stop());
    await setStock(slotsUrl, line.productId, line.warehouseId, 100);
    const key = await makeKey("Stream: slots", small.url);
    const tryOpen = async () => {
      const abort = new AbortController();
      cleanup.push(() => abort.abort());
      const response = await fetch(`${small.url}/api/events`, {
        headers: { ...bearer(key.key), Accept: "text/event-stream" },
        signal: abort.signal,
      });
      return response.status;
    };
    const first = await openStream(key, { base: small.url });
    await openStream(key, { base: small.url });
    expect(await tryOpen()).toBe(429);
    first.close();
    // the server finds the client gone when it next writes to it: a frame
    // (here, a hold of the key's) or a heartbeat
    await expect
      .poll(
        async () => {
          await holdFor(key, "slots", small.url);
          return tryOpen();
        },
        { timeout: 5_000 },
      )
      .toBe(200);
  });

  test("ends with the others when the server stops, so the shutdown is not held up", async () => {
    const stopUrl = testDatabaseUrl();
    const stopping = await startServer({ DATABASE_URL: stopUrl, ...noClientLimits });
    const key = await makeKey("Stream: shutdown", stopping.url);
    const stream = await openStream(key, { base: stopping.url });
    const exited = stopping.stop();
    await stream.end();
    expect(await exited).toBe(0);
  });
});
