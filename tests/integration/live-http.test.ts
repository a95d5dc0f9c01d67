import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import type { LiveStockMessage } from "~/live/live";
import { eventStream, liveResponse, type SseChannel } from "~/live/sse.server";
import { createStreamSlots } from "~/live/stream-slots.server";
import { sendStreaming } from "~/server/node-fetch.server";
import { call } from "../helpers/api";
import { testDatabaseUrl } from "../helpers/database";
import { rawRequest, readUntil } from "../helpers/raw-http";
import { noClientLimits, startServer, testSecrets, type RunningServer } from "../helpers/server";

// Live streams over HTTP, against the production build: what the checkout
// and stock streams send, and what they cost. They are capped per client
// and per process, only name real products, and a reader that stops
// reading is cut off rather than buffered for ever.

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const done of cleanup.splice(0).reverse()) await done();
});

// Opens a stream and resolves with its status once the headers are in.
async function open(base: string, path: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  cleanup.push(() => abort.abort());
  const response = await fetch(`${base}${path}`, { headers, signal: abort.signal });
  return { status: response.status, retryAfter: response.headers.get("retry-after"), close: () => abort.abort() };
}

describe("stream caps over HTTP", () => {
  test("a client gets MAX_LIVE_STREAMS_PER_CLIENT streams, then 429 with Retry-After; a closed one frees its slot", async () => {
    const server = await startServer({
      DATABASE_URL: testDatabaseUrl(),
      ...noClientLimits,
      MAX_LIVE_STREAMS_PER_CLIENT: "3",
    });
    cleanup.push(() => server.stop());
    const streams = [];
    for (let i = 0; i < 3; i++) streams.push(await open(server.url, "/stock/events?products=aurora-speaker"));
    expect(streams.map((s) => s.status)).toEqual([200, 200, 200]);
    const refused = await open(server.url, "/stock/events?products=aurora-speaker");
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    streams[0]!.close();
    await expect.poll(async () => (await open(server.url, "/stock/events?products=aurora-speaker")).status).toBe(200);
  });

  test("a HEAD of a stream gives its slot back at once", async () => {
    const server = await startServer({
      DATABASE_URL: testDatabaseUrl(),
      ...noClientLimits,
      MAX_LIVE_STREAMS_PER_CLIENT: "2",
    });
    cleanup.push(() => server.stop());
    for (let i = 0; i < 5; i++) {
      expect((await rawRequest(server.url, "/stock/events?products=aurora-speaker", { method: "HEAD" })).status).toBe(
        200,
      );
    }
    expect((await open(server.url, "/stock/events?products=aurora-speaker")).status).toBe(200);
    expect((await open(server.url, "/stock/events?products=aurora-speaker")).status).toBe(200);
  });

  test("the whole process takes MAX_LIVE_STREAMS, whoever asks", async () => {
    const server = await startServer({
      DATABASE_URL: testDatabaseUrl(),
      ...noClientLimits,
      TRUST_PROXY: "true",
      MAX_LIVE_STREAMS: "4",
    });
    cleanup.push(() => server.stop());
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const stream = await open(server.url, "/stock/events?products=aurora-speaker", {
        "Fly-Client-IP": `203.0.113.${i}`,
      });
      statuses.push(stream.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });

  test("only products that exist, and a bounded number of them", async () => {
    const server = await startServer({ DATABASE_URL: testDatabaseUrl(), ...noClientLimits });
    cleanup.push(() => server.stop());
    const unknown = await rawRequest(server.url, "/stock/events?products=aurora-speaker,no-such-thing");
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain("no-such-thing");
    const many = Array.from({ length: 201 }, (_, i) => `made-up-${i}`).join(",");
    expect((await rawRequest(server.url, `/stock/events?products=${many}`)).status).toBe(400);
    expect((await rawRequest(server.url, `/stock/events?products=${encodeURIComponent('a"b')}`)).status).toBe(400);
    // 500 streams of made-up ids cost nothing: each is refused before it opens
    const refused = await Promise.all(
      Array.from({ length: 500 }, (_, i) => rawRequest(server.url, `/stock/events?products=made-up-${i}`)),
    );
    expect(new Set(refused.map((r) => r.status))).toEqual(new Set([404]));
  });
});

// Serves `server` and sends it one request from a client that then never
// reads a byte of the answer.
async function stalledReader(server: Server) {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  const { port } = server.address() as { port: number };
  const socket = connect(port, "127.0.0.1");
  cleanup.push(() => socket.destroy());
  socket.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
  socket.pause();
}

// Sends large messages until the stream ends: the kernel's socket buffers
// take the first few megabytes; after that the backlog is the server's,
// and it is bounded.
async function flood(channel: SseChannel, ended: () => boolean) {
  const message = { filler: "x".repeat(10_000) };
  for (let id = 1; id <= 2_000 && !ended(); id++) {
    channel.send({ event: "stock", id, data: message });
    if (id % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("a reader that stops reading", () => {
  test("is cut off once its unsent backlog passes the bound, and its subscription ends", async () => {
    let channel: SseChannel | undefined;
    let unsubscribed = false;
    const server: Server = createServer((req, res) => {
      const abort = new AbortController();
      res.once("close", () => abort.abort());
      const request = new Request("http://localhost/", { signal: abort.signal });
      const response = eventStream(request, (c) => {
        channel = c;
        return () => (unsubscribed = true);
      });
      void sendStreaming(res, response, false, { maxBacklogBytes: 64 * 1024 });
    });
    await stalledReader(server);
    await expect.poll(() => channel !== undefined).toBe(true);

    await flood(channel!, () => unsubscribed);
    await expect.poll(() => unsubscribed, { timeout: 5_000 }).toBe(true);
  });
});

describe("a reader that stops reading, on a stream written straight to node's response", () => {
  test("is cut off once its unsent backlog passes the bound, and its slot and subscription end", async () => {
    let channel: SseChannel | undefined;
    let unsubscribed = false;
    const streams = createStreamSlots({ max: 10, perClient: 10 });
    const app = { live: { accepting: () => true }, streams };
    const client = { address: "127.0.0.1", https: false, origin: "http://localhost" };
    const server: Server = createServer((req, res) =>
      liveResponse({ app, client, req, res }, (c) => {
        channel = c;
        return () => (unsubscribed = true);
      }),
    );
    await stalledReader(server);
    await expect.poll(() => channel !== undefined).toBe(true);
    expect(streams.open()).toBe(1);

    await flood(channel!, () => unsubscribed);
    await expect.poll(() => unsubscribed, { timeout: 5_000 }).toBe(true);
    expect(streams.open()).toBe(0);
  });
});

describe("live streams over HTTP (the production build)", () => {
  async function shop(): Promise<RunningServer> {
    const server = await startServer({ DATABASE_URL: testDatabaseUrl(), ...noClientLimits });
    cleanup.push(() => server.stop());
    return server;
  }

  async function holdInBrowser(server: RunningServer) {
    const response = await fetch(`${server.url}/products/aurora-speaker`, {
      method: "POST",
      body: new URLSearchParams({ warehouseId: "blr-01", quantity: "1" }),
      redirect: "manual",
    });
    expect(response.status).toBe(302);
    return {
      id: response.headers.get("Location")!.split("/").pop()!,
      cookie: response.headers.get("Set-Cookie")!.split(";")[0]!,
    };
  }

  test("the checkout stream is the holder's only, uncompressed, and resumes from Last-Event-ID", async () => {
    const server = await shop();
    const { id, cookie } = await holdInBrowser(server);
    expect((await fetch(`${server.url}/reservations/${id}/events`)).status).toBe(404);

    const abort = new AbortController();
    cleanup.push(async () => abort.abort());
    const first = await fetch(`${server.url}/reservations/${id}/events`, {
      headers: { Cookie: cookie, "Accept-Encoding": "gzip, br" },
      signal: abort.signal,
    });
    expect(first.headers.get("Content-Type")).toMatch(/^text\/event-stream/);
    expect(first.headers.get("Content-Encoding")).toBeNull();
    expect(first.headers.get("X-Accel-Buffering")).toBe("no");
    // it connected with nothing, so it is told the current state
    const opening = await readUntil(first.body!.getReader(), (t) => t.includes("\nid: "));
    const lastId = Number(/\nid: (\d+)/.exec(opening)![1]);
    expect(opening).toContain(`"status":"pending"`);
    abort.abort();

    // paid while this browser was away: coming back with its Last-Event-ID
    // it hears about it
    const paid = await fetch(`${server.url}/reservations/${id}`, {
      method: "POST",
      headers: { Cookie: cookie },
      body: new URLSearchParams({ intent: "pay" }),
      redirect: "manual",
    });
    expect(paid.status).toBe(302);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const again = new AbortController();
    cleanup.push(async () => again.abort());
    const resumed = await fetch(`${server.url}/reservations/${id}/events`, {
      headers: { Cookie: cookie, "Last-Event-ID": String(lastId) },
      signal: again.signal,
    });
    const text = await readUntil(resumed.body!.getReader(), (t) => t.includes("\nid: "));
    expect(text).toContain(`"status":"confirmed"`);
    expect(Number(/\nid: (\d+)/.exec(text)![1])).toBeGreaterThan(lastId);
  });

  test("the stock stream sends the products' counts when they change", async () => {
    const server = await shop();
    const abort = new AbortController();
    cleanup.push(async () => abort.abort());
    const page = await fetch(`${server.url}/products/aurora-speaker`).then((r) => r.text());
    const before = Number(/data-testid="available-blr-01"[^>]*>(\d+) available/.exec(page)![1]);
    const stream = await fetch(`${server.url}/stock/events?products=aurora-speaker&after=999999`, {
      signal: abort.signal,
    });
    const reader = stream.body!.getReader();
    await readUntil(reader, (t) => t.startsWith("retry:"));
    await holdInBrowser(server);
    const text = await readUntil(reader, (t) => t.includes("\nid: "));
    const data = JSON.parse(/data: (.*)\n/.exec(text)![1]!) as LiveStockMessage;
    expect(data.stock["aurora-speaker"]?.["blr-01"]).toBe(before - 1);
    expect((await fetch(`${server.url}/stock/events?products=`)).status).toBe(400);
  });

  test("the stock stream carries the page's security headers and resumes from Last-Event-ID", async () => {
    const server = await shop();
    const first = await fetch(`${server.url}/stock/events?products=aurora-speaker`, {
      signal: AbortSignal.timeout(10_000),
    });
    expect(first.headers.get("Content-Type")).toBe("text/event-stream");
    expect(first.headers.get("Cache-Control")).toBe("no-cache, no-transform");
    expect(first.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(first.headers.get("Content-Security-Policy")).toContain("default-src");
    // it connected with nothing, so it is told the current state
    const reader = first.body!.getReader();
    const opening = await readUntil(reader, (t) => t.includes("\nid: "));
    expect(opening.startsWith("retry: 2000\n\nevent: stock\ndata: ")).toBe(true);
    const lastId = Number(/\nid: (\d+)/.exec(opening)![1]);
    await reader.cancel();

    // up to date: nothing until something changes
    const abort = new AbortController();
    cleanup.push(async () => abort.abort());
    const resumed = await fetch(`${server.url}/stock/events?products=aurora-speaker`, {
      headers: { "Last-Event-ID": String(lastId) },
      signal: abort.signal,
    });
    const resumedReader = resumed.body!.getReader();
    const quiet = await Promise.race([
      readUntil(resumedReader, (t) => t.includes("event:")),
      new Promise<string>((resolve) => setTimeout(() => resolve("nothing"), 1_000)),
    ]);
    expect(quiet).toBe("nothing");
  });

  test("a drop's stream answers 404 for no such drop and sends an existing drop's state", async () => {
    const server = await shop();
    expect((await rawRequest(server.url, "/drops/no-such-drop/events")).status).toBe(404);
    expect((await rawRequest(server.url, "/drops/%2e%2e/events")).status).toBe(404);
    const made = await call(server.url, "/api/admin/drops", {
      method: "POST",
      body: {
        name: "Speakers",
        productIds: ["aurora-speaker"],
        startsAt: new Date(Date.now() + 3_600_000).toISOString(),
      },
      headers: { Authorization: `Bearer ${testSecrets.ADMIN_TOKEN}`, "X-Operator": "Kavya" },
    });
    expect(made.status).toBe(201);
    const { id } = (made.body as { drop: { id: string } }).drop;
    const abort = new AbortController();
    cleanup.push(async () => abort.abort());
    const stream = await fetch(`${server.url}/drops/${id}/events`, { signal: abort.signal });
    const text = await readUntil(stream.body!.getReader(), (t) => t.includes("\nid: "));
    expect(text).toContain("event: drop\n");
    expect(text).toContain(`"phase":"upcoming"`);
  });

  test("a shutdown ends every open stream with a reconnect hint, and the server exits 0", async () => {
    const server = await startServer({ DATABASE_URL: testDatabaseUrl(), ...noClientLimits });
    const streams = await Promise.all(
      // within the per-client limit of 16
      Array.from({ length: 10 }, () =>
        fetch(`${server.url}/stock/events?products=aurora-speaker,aurora-headphones&after=999999`),
      ),
    );
    expect(streams.map((s) => s.status)).toEqual(Array(10).fill(200));
    const texts = streams.map((s) => readUntil(s.body!.getReader(), () => false));
    expect(await server.stop("SIGTERM")).toBe(0);
    for (const text of await Promise.all(texts)) expect(text).toMatch(/^retry: 2000\n\nretry: \d+\n\n$/);
  });
});
