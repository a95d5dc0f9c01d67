// The production server: one short file, because Remix's own server cannot
// migrate before listening, run the sweeper or shut down gracefully.
import { createServer, type IncomingMessage } from "node:http";
import { fileURLToPath } from "node:url";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import { MAX_BODY_BYTES } from "./app/utils/api.server";
import { startApp } from "./app/utils/app.server";
import { EnvError, parseEnv } from "./app/utils/env.server";
import { createLog, logRequests } from "./app/utils/log.server";
import { resourceRoutes } from "./app/utils/resource-routes.server";

// Fly gives a stopping machine kill_timeout (10 s in fly.toml) before it
// kills it; finish a little earlier, on our own terms.
const SHUTDOWN_DEADLINE_MS = 8_000;

async function main() {
  // NODE_ENV is read before parseEnv so that its own messages come out in
  // the same format as every later line
  const log = createLog({ json: process.env.NODE_ENV === "production" });
  const env = parseEnv(process.env, (message) => log(message));
  const running = await startApp({ env, log });
  const context = running.context;
  const app = express();
  app.disable("x-powered-by");

  const viteDevServer =
    process.env.HOLDFAST_DEV === "1"
      ? await import("vite").then((vite) => vite.createServer({ server: { middlewareMode: true } }))
      : undefined;
  if (viteDevServer) {
    app.use(viteDevServer.middlewares);
  } else {
    app.use("/assets", express.static(fromBuild("client/assets"), { immutable: true, maxAge: "1y" }));
    // public/ files (favicon and the like); never the API, whose every
    // request would otherwise cost a file-system lookup first
    const publicFiles = express.static(fromBuild("client"), { maxAge: "1h" });
    app.use((req, res, next) => (req.path.startsWith("/api/") ? next() : publicFiles(req, res, next)));
  }

  const build = viteDevServer
    ? () => viteDevServer.ssrLoadModule("virtual:remix/server-build") as Promise<ServerBuild>
    : ((await import(/* @vite-ignore */ new URL("./server/index.js", import.meta.url).href)) as ServerBuild);
  const getLoadContext = (req: IncomingMessage) => {
    const flyClientIp = req.headers["fly-client-ip"];
    return {
      app: context,
      clientAddress: (typeof flyClientIp === "string" ? flyClientIp : req.socket.remoteAddress) ?? "unknown",
    };
  };
  app.all("*", createRequestHandler({ build, getLoadContext }));
  const api =
    typeof build === "function"
      ? undefined
      : resourceRoutes({
          build,
          prefix: "/api/",
          maxBodyBytes: MAX_BODY_BYTES,
          getLoadContext,
          onError: (error) => log("api error", { level: "error", error: String(error) }),
        });

  const logRequest = logRequests(log);
  const server = createServer((req, res) => {
    logRequest(req, res);
    if (api) api(req, res, () => app(req, res));
    else app(req, res);
  });
  server.listen(env.PORT, () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : env.PORT;
    log(`Holdfast listening on http://localhost:${port}`);
  });

  // SIGTERM (a deploy, a restart, Fly stopping the machine): stop accepting
  // connections, end live streams and the sweeper, let in-flight requests
  // finish, commit every queued write, close the database, exit 0. If any
  // of that hangs, exit non-zero at the deadline rather than be killed.
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log("shutting down", { signal });
    setTimeout(() => {
      log("shutdown deadline passed, exiting anyway", { level: "error" });
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    const requestsDone = new Promise<void>((resolve) => server.close(() => resolve()));
    // server.close() only closes the keep-alive connections idle at that
    // moment; one that finishes its last response later must go too
    const closeIdle = setInterval(() => server.closeIdleConnections(), 100);
    running.stop({ requestsDone }).then(
      () => {
        clearInterval(closeIdle);
        log("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        log("shutdown failed", { level: "error", error: error instanceof Error ? error.message : String(error) });
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);
}

// This file is bundled to <build>/server.js, beside Remix's own output; the
// Remix build is imported at run time so esbuild leaves it a separate module.
function fromBuild(relative: string) {
  return fileURLToPath(new URL(relative, import.meta.url));
}

main().catch((error: unknown) => {
  console.error(error instanceof EnvError ? error.message : error);
  process.exit(1);
});
