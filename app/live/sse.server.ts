import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppLoadContext } from "@remix-run/node";
import type { Client } from "~/http/client.server";
import type { HttpRequest } from "~/http/http-request.server";
import type { LiveHub } from "./live.server";
import type { StreamSlots } from "./stream-slots.server";

// Server-Sent Events, written by hand: a frame carries `event:`, `data:`
// and `id:` (the browser resumes from its Last-Event-ID), a `retry:` hint
// opens the stream and precedes a close from the server, and a comment goes
// out every so often because proxies (Fly's among them) close a connection
// that stays silent too long. Sending after the end is a no-op.
//
// Thousands of streams stay open on one process (10,000 in under
// 400 MB), so what a stream costs is kept small: the hub hands one message
// object to every stream that watches the same thing, and it is serialised
// once; one heartbeat timer serves every stream; the shop's busiest streams
// are written straight to node's response (liveResponse), without a Fetch
// Request, Response or web stream each.

export type SseChannel = {
  send: (message: { event: string; id: number; data: unknown }) => void;
  // ends the stream from the server's side; the browser reconnects after
  // `reconnectInMs` (a shutdown uses this to move browsers elsewhere)
  close: (reconnectInMs?: number) => void;
};

// subscribes; returns the unsubscribe, called the moment the stream ends
type Init = (channel: SseChannel) => () => void;

// where a stream's bytes go: node's response, or a Fetch Response's body
type Sink = { write: (bytes: Buffer) => void; end: () => void };

const HEARTBEAT_MS = 15_000;
const RETRY_MS = 2_000;

// A stream may have this much written but not yet taken by the browser (in
// this process's buffer, past what the kernel holds) before it is cut off.
// Live messages are whole states, so a stream that fell this far behind
// loses nothing by starting over: the browser reconnects with its
// Last-Event-ID and gets the current state.
const MAX_STREAM_BACKLOG_BYTES = 64 * 1024;

// Writes to a live stream on node's response, closing the connection once
// the stream is that far behind.
export function writeLive(res: ServerResponse, bytes: Uint8Array, maxBacklogBytes = MAX_STREAM_BACKLOG_BYTES) {
  res.write(bytes);
  if (res.writableLength > maxBacklogBytes) res.destroy();
}

const STREAM_HEADERS = {
  "Content-Type": "text/event-stream",
  // no-transform keeps compression middleware (and proxies) from buffering
  // the stream; X-Accel-Buffering does the same for nginx-style proxies
  "Cache-Control": "no-cache, no-transform",
  "X-Accel-Buffering": "no",
};

// One timer for every open stream, running only while there are any.
export type Heartbeat = { add: (sink: Sink) => void; remove: (sink: Sink) => void };

const COMMENT = Buffer.from(": heartbeat\n\n");

export function createHeartbeat(intervalMs: number): Heartbeat {
  const sinks = new Set<Sink>();
  let timer: NodeJS.Timeout | undefined;
  return {
    add(sink) {
      sinks.add(sink);
      timer ??= setInterval(() => sinks.forEach((s) => s.write(COMMENT)), intervalMs).unref();
    },
    remove(sink) {
      sinks.delete(sink);
      if (sinks.size > 0) return;
      clearInterval(timer);
      timer = undefined;
    },
  };
}

const processHeartbeat = createHeartbeat(HEARTBEAT_MS);

// A message is serialised once, however many streams it goes to: the hub
// hands the same object to every stream that watches the same thing, and
// the cache goes with the object.
const frames = new WeakMap<object, { event: string; id: number; bytes: Buffer }>();

function frameOf(event: string, id: number, data: unknown): Buffer {
  const cached = typeof data === "object" && data !== null ? frames.get(data) : undefined;
  if (cached && cached.event === event && cached.id === id) return cached.bytes;
  const bytes = Buffer.from(`event: ${event}\ndata: ${JSON.stringify(data)}\nid: ${id}\n\n`);
  if (typeof data === "object" && data !== null) frames.set(data, { event, id, bytes });
  return bytes;
}

type Options = { heartbeat?: Heartbeat; retryMs?: number };

// Runs one stream over `sink`; returns what to call when the connection is
// gone. The subscription ends exactly once, whichever side ends first.
function runStream(sink: Sink, init: Init, { heartbeat = processHeartbeat, retryMs = RETRY_MS }: Options) {
  let open = true;
  let unsubscribe: (() => void) | undefined;
  const end = () => {
    if (!open) return;
    open = false;
    heartbeat.remove(sink);
    unsubscribe?.();
  };
  const channel: SseChannel = {
    send({ event, id, data }) {
      if (open) sink.write(frameOf(event, id, data));
    },
    close(reconnectInMs) {
      if (!open) return;
      if (reconnectInMs !== undefined) sink.write(Buffer.from(`retry: ${reconnectInMs}\n\n`));
      end();
      sink.end();
    },
  };
  sink.write(Buffer.from(`retry: ${retryMs}\n\n`));
  heartbeat.add(sink);
  const subscription = init(channel);
  // a stream closed while it subscribed unsubscribes at once
  if (open) unsubscribe = subscription;
  else subscription();
  return end;
}

// A stream answered as a Fetch Response, for the routes Remix serves.
export function eventStream(request: HttpRequest, init: Init, options: Options = {}): Response {
  let stop = () => {};
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start: (c) => void (controller = c),
    cancel: () => stop(),
  });
  const sink: Sink = {
    write(bytes) {
      try {
        controller?.enqueue(bytes);
      } catch {
        stop();
      }
    },
    end() {
      try {
        controller?.close();
      } catch {
        // already cancelled by the reader
      }
    },
  };
  stop = runStream(sink, init, options);
  // the browser left: the subscription ends, and so does the body
  const abort = () => {
    stop();
    sink.end();
  };
  if (request.signal.aborted) abort();
  else request.signal.addEventListener("abort", abort, { once: true });
  return new Response(body, { status: 200, headers: STREAM_HEADERS });
}

// A stream written straight to node's response. It cannot wait for a slow
// reader (the hub sends to thousands of streams and must not stall on one),
// so what it sends queues, up to MAX_STREAM_BACKLOG_BYTES; past that the
// connection is closed.
function streamTo(res: ServerResponse, init: Init) {
  res.writeHead(200, STREAM_HEADERS);
  const sink: Sink = {
    write(bytes) {
      if (!res.destroyed) writeLive(res, bytes);
    },
    end: () => res.end(),
  };
  const stop = runStream(sink, init, {});
  // the browser may have left while the request was checked
  if (res.destroyed) stop();
  else res.once("close", stop);
}

// Where a stream resumes: the browser's Last-Event-ID when it reconnects by
// itself, else `?after=` (the page's own cursor when it first connects, or
// the last id it saw when it opens a fresh stream), else nothing.
function resumeFromRaw(raw: string | null | undefined): number | null {
  if (raw === null || raw === undefined || !/^\d{1,15}$/.test(raw)) return null;
  return Number(raw);
}

export const resumeFrom = (request: HttpRequest) =>
  resumeFromRaw(request.headers.get("Last-Event-ID") ?? new URL(request.url).searchParams.get("after"));

// node joins a repeated header into "a, b" as Fetch does (so it resumes
// from nothing either way); only Set-Cookie comes as an array
export const resumeFromNode = (req: IncomingMessage, url: URL) => {
  const header = req.headers["last-event-id"];
  return resumeFromRaw(typeof header === "string" ? header : url.searchParams.get("after"));
};

// Every stream takes a slot (stream-slots.server.ts) and gives it back when
// it ends, however it ends. A full process or a client with too many open
// streams gets 429 with Retry-After, and EventSource tries again after it.
type Admission =
  { ok: true; release: () => void } | { ok: false; status: number; message: string; headers: Record<string, string> };

// what taking a slot reads of the app
type Admitter = { live: Pick<LiveHub, "accepting">; streams: StreamSlots };

function admit(app: Admitter, client: Client): Admission {
  if (!app.live.accepting()) {
    return { ok: false, status: 503, message: "Shutting down", headers: { "Retry-After": "1" } };
  }
  const taken = app.streams.take(client.address);
  if (taken.ok) return { ok: true, release: taken.slot.release };
  const message =
    taken.scope === "client"
      ? "Too many live updates open from your network; close some tabs."
      : "This server has as many live updates open as it can take.";
  return { ok: false, status: 429, message, headers: { "Retry-After": taken.scope === "client" ? "30" : "5" } };
}

const releasing =
  (init: Init, release: () => void): Init =>
  (channel) => {
    const unsubscribe = init(channel);
    return () => {
      unsubscribe();
      release();
    };
  };

// A live stream for one client, if there is room, as a Fetch Response.
export function openLiveStream({ app, client }: AppLoadContext, request: HttpRequest, init: Init): Response {
  const admitted = admit(app, client);
  if (!admitted.ok) return new Response(admitted.message, { status: admitted.status, headers: admitted.headers });
  return eventStream(request, releasing(init, admitted.release));
}

// The same, written straight to node's response. A HEAD gets the stream's
// head and gives its slot back at once.
export function liveResponse(
  { app, client, req, res }: { app: Admitter; client: Client; req: IncomingMessage; res: ServerResponse },
  init: Init,
) {
  const admitted = admit(app, client);
  if (!admitted.ok) {
    res.writeHead(admitted.status, { "Content-Type": "text/plain; charset=utf-8", ...admitted.headers });
    res.end(admitted.message);
  } else if (req.method === "HEAD") {
    admitted.release();
    res.writeHead(200, STREAM_HEADERS);
    res.end();
  } else {
    streamTo(res, releasing(init, admitted.release));
  }
}
