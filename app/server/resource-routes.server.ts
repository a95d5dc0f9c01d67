import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppLoadContext, ServerBuild } from "@remix-run/node";
import { Router, type Request as ExpressRequest } from "express";
import { apiError, INTERNAL_ERROR } from "~/api/api.server";
import type { Client } from "~/http/client.server";
import { discardRest, MAX_BODY_BYTES, readBody, sendStreaming, sendWhole, toFetchRequest } from "./node-fetch.server";

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

// A router (Express's, used on its own: no application, no middleware) for
// the resource routes under `prefix`; a request that is not theirs goes on
// to `next`.
export function resourceRoutes({
  build,
  prefix,
  loadContext,
  onError,
}: {
  build: ServerBuild;
  prefix: string;
  loadContext: (client: Client, cspNonce: string) => AppLoadContext;
  onError: (error: unknown) => void;
}) {
  async function serve(req: IncomingMessage, res: ServerResponse, client: Client, module: RouteModule, params: Params) {
    const read = req.method === "GET" || req.method === "HEAD";
    const handler = read ? module.loader : module.action;
    const controller = new AbortController();
    // the client left before the answer was sent: a live stream (the
    // key's event feed) ends and gives its slot back
    res.once("close", () => {
      if (!res.writableFinished) controller.abort();
    });
    let response: Response;
    try {
      if (!handler) throw new Response(null, { status: 405, headers: { Allow: read ? "POST" : "GET" } });
      const { body, tooLarge } = read ? { body: null, tooLarge: false } : await readBody(req, MAX_BODY_BYTES);
      if (tooLarge) {
        await discardRest(req, res);
        throw apiError(413, "payload_too_large", `The body must be at most ${MAX_BODY_BYTES / 1024} KB`);
      }
      const result = await handler({
        request: toFetchRequest(req, client, { body, signal: controller.signal }),
        params,
        context: loadContext(client, ""),
      });
      response = result instanceof Response ? result : Response.json(result);
    } catch (thrown) {
      if (thrown instanceof Response) {
        response = thrown;
      } else {
        onError(thrown);
        response = Response.json({ error: INTERNAL_ERROR }, { status: 500, headers: { "Cache-Control": "no-store" } });
      }
    }
    // JSON is whole in memory already; anything else (the audit trail's CSV)
    // may be made as it is sent, so it streams, with backpressure
    const whole = /^application\/json/i.test(response.headers.get("Content-Type") ?? "application/json");
    await (whole ? sendWhole : sendStreaming)(res, response, req.method === "HEAD");
  }

  const routes = Object.keys(build.routes)
    .map((id) => ({ path: fullPath(build, id), module: build.routes[id]!.module as RouteModule }))
    .filter((r) => r.path.startsWith(prefix) && r.module.default === undefined)
    // a splat matches anything, so it goes last
    .sort((a, b) => Number(a.path.endsWith("*")) - Number(b.path.endsWith("*")));
  const router = Router();
  const clients = new WeakMap<IncomingMessage, Client>();
  for (const route of routes) {
    router.all(route.path, (req: ExpressRequest, res) => {
      serve(req, res, clients.get(req)!, route.module, req.params).catch((error: unknown) => {
        onError(error);
        res.destroy();
      });
    });
  }
  // `next` gets an error when the path itself is malformed (a % that
  // decodes to nothing), and nothing when no route here matches
  return (req: IncomingMessage, res: ServerResponse, client: Client, next: (error?: unknown) => void) => {
    clients.set(req, client);
    router(req as Parameters<typeof router>[0], res as Parameters<typeof router>[1], next);
  };
}
