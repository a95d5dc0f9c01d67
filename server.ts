// The production server: one short file, because Remix's own server cannot
// migrate before listening, run the sweeper or shut down gracefully.
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import type { ServerBuild } from "@remix-run/node";
import { EnvError, parseEnv } from "./app/infra/env.server";
import { createLog } from "./app/infra/log.server";
import { startApp } from "./app/server/app.server";
import { createHttpHandler } from "./app/server/http.server";
import { createMetrics, startMetricsServer } from "./app/server/metrics.server";

// Fly gives a stopping machine kill_timeout (10 s in fly.toml) before it
// kills it; finish a little earlier, on our own terms.
const SHUTDOWN_DEADLINE_MS = 8_000;

async function main() {
  // NODE_ENV is read before parseEnv so that its own messages come out in
  // the same format as every later line
  const log = createLog({ json: process.env.NODE_ENV === "production" });
  const env = parseEnv(process.env, (message) => log(message));
  // Set once the server exists: a writer that dies takes the process down
  // (exit 1, so Fly restarts the machine); the requests it failed get their
  // 503s out first.
  let onFatal: () => void = () => process.exit(1);
  const running = await startApp({ env, log, onFatal: () => onFatal() });

  const viteDevServer =
    process.env.HOLDFAST_DEV === "1"
      ? await import("vite").then((vite) => vite.createServer({ server: { middlewareMode: true } }))
      : undefined;
  const metrics = env.METRICS_PORT > 0 ? createMetrics(running.context) : undefined;
  // a metrics port already taken (a second instance on one machine) costs
  // the metrics, not the shop
  const metricsServer = metrics
    ? await startMetricsServer({ metrics, port: env.METRICS_PORT }).catch((error: unknown) => {
        log("metrics not served", { level: "error", port: env.METRICS_PORT, error: String(error) });
        return undefined;
      })
    : undefined;
  if (metricsServer) log(`Metrics on http://localhost:${env.METRICS_PORT}/metrics`);
  const http = createHttpHandler({
    context: running.context,
    metrics,
    ...(viteDevServer
      ? {
          build: () => viteDevServer.ssrLoadModule("virtual:remix/server-build") as Promise<ServerBuild>,
          viteMiddlewares: viteDevServer.middlewares,
        }
      : {
          build: (await import(/* @vite-ignore */ new URL("./server/index.js", import.meta.url).href)) as ServerBuild,
          publicDir: fromBuild("client"),
        }),
  });
  const server = createServer(http.listener);
  onFatal = () => {
    server.close();
    setTimeout(() => process.exit(1), 500);
  };
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
      http.flushLog();
      log("shutdown deadline passed, exiting anyway", { level: "error" });
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    metricsServer?.close();
    metrics?.stop();
    const requestsDone = new Promise<void>((resolve) => server.close(() => resolve()));
    // server.close() only closes the keep-alive connections idle at that
    // moment; one that finishes its last response later must go too
    const closeIdle = setInterval(() => server.closeIdleConnections(), 100);
    running.stop({ requestsDone }).then(
      () => {
        clearInterval(closeIdle);
        http.flushLog();
        log("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        http.flushLog();
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
