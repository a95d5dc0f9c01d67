import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequestHandler, type AppLoadContext, type ServerBuild } from "@remix-run/node";
import serveStatic from "serve-static";
import { INTERNAL_ERROR } from "~/api/api.server";
import { clientOf, type Client } from "~/http/client.server";
import { logRequests } from "~/infra/log.server";
import { replyWriter } from "./api-request.server";
import type { AppContext } from "./context.server";
import { healthRoute } from "./health-route.server";
import { liveRoutes } from "./live-routes.server";
import type { Metrics } from "./metrics.server";
import { discardRest, hasBody, MAX_BODY_BYTES, readBody, sendStreaming, toFetchRequest } from "./node-fetch.server";
import { resourceRoutes } from "./resource-routes.server";
import { securityHeaders } from "./security-headers.server";

// Every request the server gets, in order: logged and timed; the health
// check answered at once (health-route.server.ts sends the same security
// headers in one go); everything else gets its security headers, wrong
// methods and cross-site writes are refused, then a public file, the JSON
// API (straight to its route modules) or a Remix page. Anything unexpected
// on the way ends in one plain answer that never shows a stack, whatever
// NODE_ENV says.

type Next = () => void;
type Middleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;

// Every route here answers GET, HEAD or POST, and the JSON API's edits
// PATCH and removals DELETE; anything else (PUT, TRACE, OPTIONS …) is
// refused before a route could mistake it for a POST. An API route that
// takes no PATCH or DELETE says so itself (405 with its own Allow).
const pageMethods = ["GET", "HEAD", "POST"];
const apiMethods = [...pageMethods, "PATCH", "DELETE"];
const writeMethods = new Set(["POST", "PATCH", "DELETE"]);
const isApi = (req: IncomingMessage) => req.url?.startsWith("/api/") === true;

// A write from a page on another site (or on a sibling subdomain) is refused
// before it reaches a route: the browser says where the request came from
// in Sec-Fetch-Site and Origin. Clients that are not browsers (curl, an
// integrator's server) send neither and are not affected.
function isCrossSite(req: IncomingMessage, client: Client): boolean {
  const site = req.headers["sec-fetch-site"];
  if (site === "cross-site" || site === "same-site") return true;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  // the host alone: behind a proxy that ends TLS the scheme differs
  return !URL.canParse(origin) || new URL(origin).host !== new URL(client.origin).host;
}

// A page's action reads a form: anything else sent to one (JSON, text) is
// refused before it reaches the route, rather than failing inside it. A
// POST with no body and no type (a bare `curl -X POST`) is an empty form,
// which the route's own checks answer.
function pageBody(req: IncomingMessage, body: Buffer | null): "form" | "empty" | "refused" {
  const type = req.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
  if (type === "application/x-www-form-urlencoded" || type === "multipart/form-data") return "form";
  if (type === undefined && (body === null || body.length === 0)) return "empty";
  return "refused";
}

const pageTitles: Record<number, string> = {
  400: "That request didn't work",
  403: "That request was refused",
  405: "That request didn't work",
  413: "That request was too large",
  415: "That request didn't work",
  429: "Too many requests",
  500: "Something went wrong",
  503: "Back in a moment",
};

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// A failure on our side: the API's one 500 body, or a page that says the
// same in the shop's words.
const internalError = (req: IncomingMessage) =>
  isApi(req)
    ? { status: 500, ...INTERNAL_ERROR }
    : { status: 500, code: INTERNAL_ERROR.code, message: "Please try again in a moment." };

// The refusal page's look: the shop's type and colours, kept inline (with
// the response's nonce) because the stylesheet's hashed name belongs to the
// Remix build.
const refusalStyle = `
  body{margin:0;min-height:100vh;display:grid;place-items:center;background:oklch(0.985 0.004 90);
    color:oklch(0.22 0.02 260);font-family:Inter,ui-sans-serif,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
  main{max-width:32rem;padding:2rem 1.5rem;text-align:center}
  .status{font-size:.875rem;font-weight:600;color:oklch(0.48 0.17 255)}
  h1{margin:.5rem 0 0;font-size:1.875rem;line-height:1.2;letter-spacing:-.01em}
  p{color:oklch(0.47 0.02 260);line-height:1.5}
  a{display:inline-block;margin-top:1.5rem;padding:.625rem 1rem;border-radius:.5rem;background:oklch(0.48 0.17 255);
    color:#fff;font-weight:600;text-decoration:none}`;

// An answer the server gives itself, before or instead of a route: JSON in
// the API's envelope under /api/, a small page everywhere else.
async function sendRefusal(
  req: IncomingMessage,
  res: ServerResponse,
  {
    status,
    code,
    message,
    nonce,
    headers = {},
  }: { status: number; code: string; message: string; nonce: string; headers?: Record<string, string> },
): Promise<void> {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // the body (if any) is read away first, so a client still sending gets
  // this answer rather than a reset; a body too large to read away gets
  // the answer, and the connection closes behind it
  await discardRest(req, res);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.statusCode = status;
  res.setHeader("Cache-Control", "no-store");
  if (isApi(req)) {
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.end(JSON.stringify({ error: { code, message } }));
    return;
  }
  const title = pageTitles[status] ?? "That request didn't work";
  res.setHeader("Content-Type", "text/html; charset=utf-8");
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
      `<title>${escapeHtml(title)} · Holdfast</title><style nonce="${nonce}">${refusalStyle}</style></head>` +
      `<body><main><p class="status">${status}</p><h1>${escapeHtml(title)}</h1>` +
      `<p>${escapeHtml(message)}</p><a href="/products">Back to the shop</a></main></body></html>`,
  );
}

export function createHttpHandler({
  context,
  build,
  viteMiddlewares,
  publicDir,
  metrics,
}: {
  context: AppContext;
  // the Remix build: loaded once, or (under Vite's dev server) on each request
  build: ServerBuild | (() => Promise<ServerBuild>);
  viteMiddlewares?: Middleware;
  // times every request, when metrics are on
  metrics?: Metrics;
  // build/client: hashed assets and the files from public/
  publicDir?: string;
}) {
  const { env, log } = context;
  const headers = securityHeaders({ dev: viteMiddlewares !== undefined });
  const requestLog = logRequests(log, { perSecond: env.LOG_REQUESTS_PER_SECOND });
  const onError = (error: unknown) =>
    log("request failed", {
      level: "error",
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  // production mode whatever NODE_ENV is: Remix then never puts an error's
  // message or stack into a response
  const remix = createRequestHandler(build, "production");
  const loadContext = (client: Client, cspNonce: string): AppLoadContext => ({ app: context, client, cspNonce });

  const sendReply = replyWriter(onError);
  const api = resourceRoutes({ build, prefix: "/api/", loadContext, sendReply, onError });
  const live = liveRoutes(context);
  const health = healthRoute({ app: context, securityHeaders: headers.apiList, sendReply, onError });
  const assets = publicDir
    ? serveStatic(`${publicDir}/assets`, { immutable: true, maxAge: "1y", index: false })
    : undefined;
  const publicFiles = publicDir ? serveStatic(publicDir, { maxAge: "1h", index: false }) : undefined;

  async function page(req: IncomingMessage, res: ServerResponse, client: Client, nonce: string) {
    const controller = new AbortController();
    // the browser left before the answer was sent: loaders, actions and
    // live streams stop
    res.once("close", () => {
      if (!res.writableFinished) controller.abort();
    });
    let body: Buffer | null = null;
    if (hasBody(req.method)) {
      const read = await readBody(req, MAX_BODY_BYTES);
      if (read.tooLarge) {
        await sendRefusal(req, res, {
          nonce,
          status: 413,
          code: "payload_too_large",
          message: `A form may send at most ${MAX_BODY_BYTES / 1024} KB.`,
        });
        return;
      }
      body = read.body;
    }
    const form = req.method === "POST" ? pageBody(req, body) : "form";
    if (form === "refused") {
      await sendRefusal(req, res, {
        nonce,
        status: 415,
        code: "unsupported_media_type",
        message: "A page takes its own forms only.",
      });
      return;
    }
    const request = toFetchRequest(req, client, {
      body,
      signal: controller.signal,
      ...(form === "empty" ? { contentType: "application/x-www-form-urlencoded" } : {}),
    });
    // the console's pages hold operators' data (and once, a new API key):
    // never kept by the browser's cache or one in between
    if (/^\/admin(\/|\.|$)/.test(new URL(request.url).pathname)) res.setHeader("Cache-Control", "no-store");
    try {
      const response = await remix(request, loadContext(client, nonce));
      await sendStreaming(res, response, req.method === "HEAD");
    } finally {
      // the answer is out (or never will be): whatever the request started
      // and did not finish ends now; a HEAD of a live stream would otherwise
      // keep its subscription and its slot
      controller.abort();
    }
  }

  function route(req: IncomingMessage, res: ServerResponse, client: Client, nonce: string) {
    if (live(req, res, client)) return;
    const toPage = () => {
      page(req, res, client, nonce).catch((error: unknown) => {
        onError(error);
        void sendRefusal(req, res, { nonce, ...internalError(req) });
      });
    };
    const toApi = () => {
      if (!isApi(req)) return toPage();
      api(req, res, client, (error) => {
        if (error === undefined) toPage();
        else
          void sendRefusal(req, res, {
            nonce,
            status: 400,
            code: "validation_error",
            message: "The path is malformed.",
          });
      });
    };
    if (viteMiddlewares) {
      viteMiddlewares(req, res, toApi);
      return;
    }
    const path = (req.url ?? "/").split("?")[0]!;
    const mayBeFile = (req.method === "GET" || req.method === "HEAD") && !path.startsWith("/api/");
    if (mayBeFile && assets && path.startsWith("/assets/")) {
      req.url = req.url!.slice("/assets".length);
      assets(req, res, () => {
        req.url = `/assets${req.url}`;
        toApi();
      });
    } else if (mayBeFile && publicFiles && /\.[A-Za-z0-9]+$/.test(path)) {
      // only what looks like a file costs a file-system lookup
      publicFiles(req, res, toApi);
    } else {
      toApi();
    }
  }

  function listener(req: IncomingMessage, res: ServerResponse) {
    const requestId = requestLog.begin(req, res, metrics?.requestEnded);
    if (health(req, res, requestId)) return;
    res.setHeader("X-Request-Id", requestId);
    // JSON needs no nonce; a page (or the server's own refusal page) does
    let nonce = "";
    if (isApi(req)) headers.api(res);
    else nonce = headers.page(res);
    try {
      if (!req.url?.startsWith("/")) {
        void sendRefusal(req, res, {
          nonce,
          status: 400,
          code: "bad_request",
          message: "That is not a path on this site.",
        });
        return;
      }
      const methods = isApi(req) ? apiMethods : pageMethods;
      if (!methods.includes(req.method ?? "")) {
        void sendRefusal(req, res, {
          nonce,
          status: 405,
          code: "method_not_allowed",
          message: `Use ${methods.join(", ")}.`,
          headers: { Allow: methods.join(", ") },
        });
        return;
      }
      const client = clientOf(req, env.TRUST_PROXY);
      if (writeMethods.has(req.method ?? "") && isCrossSite(req, client)) {
        void sendRefusal(req, res, {
          nonce,
          status: 403,
          code: "cross_site_refused",
          message: "Requests that change something must come from this site's own pages.",
        });
        return;
      }
      route(req, res, client, nonce);
    } catch (error) {
      onError(error);
      void sendRefusal(req, res, { nonce, ...internalError(req) });
    }
  }

  // `flushLog` writes what the request log still holds back (the current
  // second's count of lines left out): the server calls it before it exits
  return { listener, flushLog: requestLog.flush };
}
