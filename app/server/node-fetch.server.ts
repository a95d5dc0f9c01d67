import type { IncomingMessage, ServerResponse } from "node:http";
import { finished } from "node:stream/promises";
import type { Client } from "~/http/client.server";
import { writeLive } from "~/live/sse.server";

// node:http on one side, the Fetch Request and Response that Remix and the
// API's routes speak on the other.

export const MAX_BODY_BYTES = 64 * 1024;

// Reads the body into memory, but never more than `limit` bytes: past that
// it stops reading and says so, and the caller answers 413 without parsing
// anything (and discards the rest: discardRest). A buffer
// also makes a much cheaper Fetch body than a web stream over the socket.
export function readBody(req: IncomingMessage, limit: number): Promise<{ body: Buffer; tooLarge: boolean }> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve({ body: Buffer.alloc(0), tooLarge: true });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (tooLarge: boolean) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", reject);
      resolve({ body: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks), tooLarge });
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        finish(true);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish(false);
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", reject);
  });
}

// Before a 413 is sent, the rest of the body is read and thrown away: Node
// closes a connection whose request was not read to its end, and a client
// still sending then gets a reset instead of the answer. But only so much,
// and only for so long: past that the answer goes out anyway and the
// connection closes behind it.
const DISCARD_LIMIT_BYTES = 8 * 1024 * 1024;
const DISCARD_TIMEOUT_MS = 5_000;

// `res` is told to close the connection when the rest could not be read.
export async function discardRest(req: IncomingMessage, res: ServerResponse): Promise<void> {
  await readAway(req);
  if (!req.complete) res.setHeader("Connection", "close");
}

function readAway(req: IncomingMessage): Promise<void> {
  const declared = Number(req.headers["content-length"]);
  if (req.complete || declared > DISCARD_LIMIT_BYTES) return Promise.resolve();
  return new Promise((resolve) => {
    let discarded = 0;
    const done = () => {
      clearTimeout(timer);
      req.off("data", onData);
      req.pause();
      resolve();
    };
    const onData = (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > DISCARD_LIMIT_BYTES) done();
    };
    const timer = setTimeout(done, DISCARD_TIMEOUT_MS);
    req.on("data", onData);
    req.once("end", done);
    req.once("close", done);
    req.resume();
  });
}

export const hasBody = (method: string | undefined) => method !== "GET" && method !== "HEAD";

// The request's URL as the client asked for it: the protocol is the one the
// client used (see client.server.ts), never a header it could have made up.
export function toFetchRequest(
  req: IncomingMessage,
  client: Client,
  {
    body,
    signal,
    contentType,
  }: {
    body: Buffer | null;
    signal?: AbortSignal;
    // the type of a request that came without one (a bare POST to a page: an empty form)
    contentType?: string;
  },
): Request {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  if (contentType && !headers.has("Content-Type")) headers.set("Content-Type", contentType);
  return new Request(`${client.origin}${req.url ?? "/"}`, {
    method: req.method,
    headers,
    ...(body && body.length > 0 ? { body: new Uint8Array(body) } : {}),
    ...(signal ? { signal } : {}),
  });
}

function writeHead(res: ServerResponse, response: Response) {
  res.statusCode = response.status;
  for (const [name, value] of response.headers) {
    if (name !== "set-cookie") res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("Set-Cookie", cookies);
}

// A reply that may stream (documents, Server-Sent Events). Backpressure is
// honoured: a document waits while the socket's buffer is full, and reads
// no more of its body until it drains. A live stream cannot wait (its hub
// sends to thousands of streams and must not stall on one), so what it
// sends queues, up to `maxBacklogBytes` (see sse.server.ts); past that the
// connection is closed.
export async function sendStreaming(
  res: ServerResponse,
  response: Response,
  head: boolean,
  { maxBacklogBytes }: { maxBacklogBytes?: number } = {},
) {
  writeHead(res, response);
  // a HEAD answer has no body: whatever the route made is never read, and
  // the caller's abort signal ends it
  if (!response.body || head) {
    res.end();
    return;
  }
  const live = /text\/event-stream/i.test(response.headers.get("Content-Type") ?? "");
  if (live) res.flushHeaders();
  const reader = response.body.getReader();
  // settles when the socket is gone, also if it went before this started
  const closed = finished(res).catch(() => {});
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done || res.destroyed) break;
      if (live) writeLive(res, value, maxBacklogBytes);
      else if (!res.write(value)) await Promise.race([new Promise((resolve) => res.once("drain", resolve)), closed]);
    }
    res.end();
  } catch {
    res.destroy();
  } finally {
    if (res.destroyed) {
      // the request's abort signal fires on "close" and ends the body from
      // its own side first; only then is the rest dropped
      await closed;
      await reader.cancel().catch(() => {});
    }
    reader.releaseLock();
  }
}
