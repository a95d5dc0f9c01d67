import type { AppLoadContext } from "@remix-run/node";
import { eventStream as remixEventStream } from "remix-utils/sse/server";
import type { HttpRequest } from "~/http/http-request.server";

// Server-Sent Events on top of remix-utils' `eventStream`, which owns the
// stream's life (it ends it when the request's signal aborts, i.e. the
// browser left) but falls short for live pages behind proxies:
// - it writes only `event:` and `data:`, so there is no `id:` to resume
//   from and no `retry:` hint;
// - it sends nothing while nothing happens, and proxies (Fly's among them)
//   close a connection that stays silent too long;
// - its `send` throws once the browser has gone.
// So: `id:` rides in the data field (the JSON is one line, so a second line
// is a field of the same frame), `retry:` and the heartbeat comments are
// written between frames, and sending after the end is a no-op.

export type SseChannel = {
  send: (message: { event: string; id: number; data: unknown }) => void;
  // ends the stream from the server's side; the browser reconnects after
  // `reconnectInMs` (a shutdown uses this to move browsers elsewhere)
  close: (reconnectInMs?: number) => void;
};

const HEARTBEAT_MS = 15_000;
const RETRY_MS = 2_000;

const encoder = new TextEncoder();
const frameEnd = /\n\n$/;

export function eventStream(
  request: HttpRequest,
  // subscribes; returns the unsubscribe, called the moment the stream ends
  init: (channel: SseChannel) => () => void,
  { heartbeatMs = HEARTBEAT_MS, retryMs = RETRY_MS }: { heartbeatMs?: number; retryMs?: number } = {},
): Response {
  let open = true;
  let heartbeat: NodeJS.Timeout | undefined;
  // Comments and hints go straight onto the outgoing side, between the
  // frames remix-utils writes (its frames arrive in two chunks, and a
  // comment must never land between them).
  let outgoing: TransformStreamDefaultController<Uint8Array> | undefined;
  let betweenFrames = true;
  const decoder = new TextDecoder();
  const writeRaw = (text: string) => {
    if (!open || !outgoing) return;
    try {
      outgoing.enqueue(encoder.encode(text));
    } catch {
      open = false;
    }
  };
  const framing = new TransformStream<Uint8Array, Uint8Array>({
    start(controller) {
      outgoing = controller;
      writeRaw(`retry: ${retryMs}\n\n`);
      heartbeat = setInterval(() => {
        if (betweenFrames) writeRaw(`: heartbeat\n\n`);
      }, heartbeatMs);
    },
    transform(chunk, controller) {
      controller.enqueue(chunk);
      betweenFrames = frameEnd.test(decoder.decode(chunk));
    },
    flush() {
      open = false;
      clearInterval(heartbeat);
    },
  });

  const response = remixEventStream(request.signal, (send, end) => {
    const channel: SseChannel = {
      send({ event, id, data }) {
        if (!open) return;
        try {
          send({ event, data: `${JSON.stringify(data)}\nid: ${id}` });
        } catch {
          open = false;
        }
      },
      close(reconnectInMs) {
        if (!open) return;
        if (reconnectInMs !== undefined) writeRaw(`retry: ${reconnectInMs}\n\n`);
        // never called while `init` runs (the hub closes streams only at
        // shutdown), when remix-utils has not yet stored its cleanup
        end();
      },
    };
    const unsubscribe = init(channel);
    return () => {
      open = false;
      clearInterval(heartbeat);
      unsubscribe();
    };
  });

  const headers = new Headers(response.headers);
  // no-transform keeps compression middleware (and proxies) from buffering
  // the stream; X-Accel-Buffering does the same for nginx-style proxies
  headers.set("Cache-Control", "no-cache, no-transform");
  headers.set("X-Accel-Buffering", "no");
  return new Response(response.body?.pipeThrough(framing), { status: 200, headers });
}

// Where a stream resumes: the browser's Last-Event-ID when it reconnects by
// itself, else `?after=` (the page's own cursor when it first connects, or
// the last id it saw when it opens a fresh stream), else nothing.
export function resumeFrom(request: HttpRequest): number | null {
  const raw = request.headers.get("Last-Event-ID") ?? new URL(request.url).searchParams.get("after");
  if (raw === null || !/^\d{1,15}$/.test(raw)) return null;
  return Number(raw);
}

// A live stream for one client, if there is room: every stream takes a slot
// (stream-slots.server.ts) and gives it back when it ends, however it ends.
// A full process or a client with too many open streams gets 429 with
// Retry-After, and EventSource tries again after it.
export function openLiveStream(
  { app, client }: AppLoadContext,
  request: HttpRequest,
  init: (channel: SseChannel) => () => void,
): Response {
  if (!app.live.accepting()) return new Response("Shutting down", { status: 503, headers: { "Retry-After": "1" } });
  const taken = app.streams.take(client.address);
  if (!taken.ok) {
    const message =
      taken.scope === "client"
        ? "Too many live updates open from your network; close some tabs."
        : "This server has as many live updates open as it can take.";
    return new Response(message, { status: 429, headers: { "Retry-After": taken.scope === "client" ? "30" : "5" } });
  }
  return eventStream(request, (channel) => {
    const unsubscribe = init(channel);
    return () => {
      unsubscribe();
      taken.slot.release();
    };
  });
}
