import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { Client } from "~/http/client.server";
import { MAX_WATCHED_PRODUCTS } from "~/live/live";
import { liveResponse, resumeFromNode } from "~/live/sse.server";
import { dropExists } from "~/models/drop-views.server";
import { missingProducts } from "~/models/inventory.server";
import { ID_PATTERN } from "~/models/reservation";
import type { AppContext } from "./context.server";

// The shop's public live streams, answered before Remix: a product page,
// the listing and a drop's page each hold one open, so a busy shop has
// thousands, and a Fetch Request, Response and web stream for each cost
// more memory and time than the stream itself. The checkout's
// and the console's streams, fewer and behind a session, stay Remix routes.
// Each is thin: parse, check, watch the hub.

const productIds = z
  .string()
  .transform((s) => [...new Set(s.split(",").filter(Boolean))])
  .pipe(z.array(z.string().regex(ID_PATTERN)).min(1).max(MAX_WATCHED_PRODUCTS));

type Answer = { status: number; message: string };
type Stream = { app: AppContext; client: Client; req: IncomingMessage; res: ServerResponse; url: URL };

// Available stock for the products on screen (`?products=a,b,c`), live:
// the whole current state of those products whenever any of them changes.
async function stockEvents({ app, url, ...stream }: Stream): Promise<Answer | null> {
  const parsed = productIds.safeParse(url.searchParams.get("products") ?? "");
  if (!parsed.success) return { status: 400, message: `Expected ?products=id,id,… (at most ${MAX_WATCHED_PRODUCTS})` };
  const missing = await missingProducts({ database: app.database, ids: parsed.data });
  if (missing.length > 0) return { status: 404, message: `No such product: ${missing.slice(0, 5).join(", ")}` };
  liveResponse({ app, ...stream }, (channel) =>
    app.live.watchStock({
      productIds: parsed.data,
      after: resumeFromNode(stream.req, url),
      stream: { send: (data) => channel.send({ event: "stock", id: data.id, data }), close: channel.close },
    }),
  );
  return null;
}

// A drop's page, live: its phase (the button turns on at the start, by the
// server's clock), stock, waiting lines and top purchasers.
async function dropEvents({ app, url, ...stream }: Stream, dropId: string): Promise<Answer | null> {
  if (!ID_PATTERN.test(dropId) || !(await dropExists({ database: app.database, id: dropId }))) {
    return { status: 404, message: "Not found" };
  }
  liveResponse({ app, ...stream }, (channel) =>
    app.live.watchDrop({
      dropId,
      after: resumeFromNode(stream.req, url),
      stream: { send: (data) => channel.send({ event: "drop", id: data.id, data }), close: channel.close },
    }),
  );
  return null;
}

const dropPath = /^\/drops\/([^/]+)\/events$/;

// Takes the request if it is one of these streams (a GET or a HEAD);
// anything else goes on to Remix.
export function liveRoutes(app: AppContext) {
  return (req: IncomingMessage, res: ServerResponse, client: Client): boolean => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    // every request passes here: only these two paths pay for parsing a URL
    const target = req.url ?? "/";
    if (!target.startsWith("/stock/events") && !target.startsWith("/drops/")) return false;
    const url = new URL(target, client.origin);
    const stream = { app, client, req, res, url };
    const dropId = dropPath.exec(url.pathname)?.[1];
    let answer: Promise<Answer | null>;
    if (url.pathname === "/stock/events") answer = stockEvents(stream);
    // an id is plain letters, digits and dashes: one that needs decoding is none
    else if (dropId !== undefined) answer = dropEvents(stream, dropId);
    else return false;
    answer.then(
      (refusal) => {
        if (!refusal) return;
        res.writeHead(refusal.status, { "Content-Type": "text/plain; charset=utf-8" });
        res.end(refusal.message);
      },
      (error: unknown) => {
        app.log("live stream failed", { level: "error", error: String(error) });
        if (res.headersSent) return void res.destroy();
        res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
        res.end("Something went wrong; please try again in a moment.");
      },
    );
    return true;
  };
}
