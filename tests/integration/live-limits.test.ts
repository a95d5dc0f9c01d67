import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import { eventStream, type SseChannel } from "~/live/sse.server";
import { sendStreaming } from "~/server/node-fetch.server";
import { testDatabaseUrl } from "../helpers/database";
import { rawRequest } from "../helpers/raw-http";
import { noClientLimits, startServer } from "../helpers/server";

// Live streams cost the server a connection and memory each: they are
// capped per client and per process, only name real products, and a
// reader that stops reading is cut off rather than buffered for forever.

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
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanup.push(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as { port: number };

    // a client that sends its request and then never reads a byte
    const socket = connect(port, "127.0.0.1");
    cleanup.push(() => socket.destroy());
    socket.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    socket.pause();
    await expect.poll(() => channel !== undefined).toBe(true);

    // the kernel's socket buffers take the first few megabytes; after that
    // the backlog is the server's, and it is bounded
    const message = { filler: "x".repeat(10_000) };
    for (let id = 1; id <= 2_000 && !unsubscribed; id++) {
      channel!.send({ event: "stock", id, data: message });
      if (id % 50 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await expect.poll(() => unsubscribed, { timeout: 5_000 }).toBe(true);
  });
});
