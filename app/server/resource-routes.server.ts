import type { IncomingMessage, ServerResponse } from "node:http";
import type { AppLoadContext, ServerBuild } from "@remix-run/node";
import { Router, type Request as ExpressRequest } from "express";
import { apiError, INTERNAL_ERROR, methodNotAllowed, type ApiArgs, type ApiReply } from "~/api/api.server";
import type { Client } from "~/http/client.server";
import { ApiRequest, type SendReply } from "./api-request.server";
import { discardRest, MAX_BODY_BYTES, readBody, sendStreaming } from "./node-fetch.server";

// Remix's request pipeline costs more CPU than everything else in a small
// JSON request: measured here, Express building the same Fetch Request and
// Response objects serves about 3,500 requests a second on one core, the
// same through Remix's handler about 1,170, and Express itself took a tenth
// of what was left. The JSON API's resource routes use none of that (no
// documents, no nested loaders, no client data), so /api requests go from
// node:http straight to the loader or action of the route module that the
// Remix build already holds, matched on the route's own path. Nor do they
// build Fetch objects: the handler reads node's request through ApiRequest
// and answers with plain data (ApiReply), written in one go; building a
// Fetch Request, its Headers and AbortSignal, and reading a Response back
// took a fifth of the main thread under load. Anything else goes through
// Remix. (Remix's matchRoutes ranks every route of the app again
// on each call: 16 % of the main thread, measured, against Express's router,
// which compiles its paths once.)

type Params = Record<string, string | undefined>;

type RouteHandler = (args: ApiArgs) => Promise<ApiReply | Response> | ApiReply | Response;

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

type Serve = (req: IncomingMessage, res: ServerResponse, client: Client, next: (error?: unknown) => void) => void;

// A router (Express's, used on its own: no application, no middleware) for
// the resource routes under `prefix`; a request that is not theirs goes on
// to `next`. Under Vite's dev server the build is loaded for each request
// (it changes as files do), and the router made again when it has.
export function resourceRoutes({
  build,
  prefix,
  loadContext,
  sendReply,
  onError,
}: {
  build: ServerBuild | (() => Promise<ServerBuild>);
  prefix: string;
  loadContext: (client: Client, cspNonce: string) => AppLoadContext;
  sendReply: SendReply;
  onError: (error: unknown) => void;
}): Serve {
  const router = (current: ServerBuild) => routerFor({ build: current, prefix, loadContext, sendReply, onError });
  if (typeof build !== "function") return router(build);
  const routers = new WeakMap<ServerBuild, Serve>();
  return (req, res, client, next) => {
    build().then(
      (current) => {
        let serve = routers.get(current);
        if (!serve) {
          serve = router(current);
          routers.set(current, serve);
        }
        serve(req, res, client, next);
      },
      (error: unknown) => next(error),
    );
  };
}

function routerFor({
  build,
  prefix,
  loadContext,
  sendReply,
  onError,
}: {
  build: ServerBuild;
  prefix: string;
  loadContext: (client: Client, cspNonce: string) => AppLoadContext;
  sendReply: SendReply;
  onError: (error: unknown) => void;
}): Serve {
  async function serve(req: IncomingMessage, res: ServerResponse, client: Client, module: RouteModule, params: Params) {
    const read = req.method === "GET" || req.method === "HEAD";
    const handler = read ? module.loader : module.action;
    const head = req.method === "HEAD";
    let request: ApiRequest | undefined;
    let reply: ApiReply | Response;
    try {
      if (!handler) {
        reply = methodNotAllowed(read ? "POST" : "GET");
      } else {
        const { body, tooLarge } = read ? { body: null, tooLarge: false } : await readBody(req, MAX_BODY_BYTES);
        if (tooLarge) {
          await discardRest(req, res);
          reply = apiError(413, "payload_too_large", `The body must be at most ${MAX_BODY_BYTES / 1024} KB`);
        } else {
          request = new ApiRequest(req, res, client, body);
          reply = await handler({ request, params, context: loadContext(client, "") });
        }
      }
    } catch (error) {
      onError(error);
      reply = apiError(500, INTERNAL_ERROR.code, INTERNAL_ERROR.message);
    }
    try {
      // the audit trail's CSV and the event feed are made as they are sent
      if (reply instanceof Response) await sendStreaming(res, reply, head);
      else sendReply(res, reply, head);
    } finally {
      request?.end();
    }
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
  return (req, res, client, next) => {
    clients.set(req, client);
    router(req as Parameters<typeof router>[0], res as Parameters<typeof router>[1], next);
  };
}
