import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { holdOutcomes } from "~/models/events.server";
import type { AppContext } from "./context.server";

// Prometheus metrics (prom-client) on a port of their own (METRICS_PORT),
// so they are never on the public one; Fly's [metrics] scrapes it.

// A request's route, with ids taken out so the labels stay few.
const routePatterns: [RegExp, string][] = [
  [/^\/api\/reservations\/[^/]+\/(confirm|release|extend)$/, "/api/reservations/:id/$1"],
  [/^\/api\/reservations\/[^/]+$/, "/api/reservations/:id"],
  [/^\/api\/products\/[^/]+$/, "/api/products/:id"],
  [/^\/api\/admin\/holds\/[^/]+\/release$/, "/api/admin/holds/:id/release"],
  [/^\/api\/admin\/products\/[^/]+$/, "/api/admin/products/:id"],
  [/^\/api\/admin\/warehouses\/[^/]+$/, "/api/admin/warehouses/:id"],
  [/^\/api\/admin\/api-keys\/[^/]+$/, "/api/admin/api-keys/:id"],
  [/^\/products\/[^/]+$/, "/products/:id"],
  [/^\/admin\/products\/[^/]+$/, "/admin/products/:id"],
  [/^\/reservations\/[^/]+\/events$/, "/reservations/:id/events"],
  [/^\/reservations\/[^/]+$/, "/reservations/:id"],
  [/^\/drops\/[^/]+\/events$/, "/drops/:id/events"],
  [/^\/drops\/[^/]+$/, "/drops/:id"],
  [/^\/api\/drops\/[^/]+\/waitlist\/[^/]+$/, "/api/drops/:id/waitlist/:customerId"],
  [/^\/api\/drops\/[^/]+\/waitlist$/, "/api/drops/:id/waitlist"],
  [/^\/api\/drops\/[^/]+$/, "/api/drops/:id"],
  [/^\/api\/admin\/drops\/[^/]+$/, "/api/admin/drops/:id"],
  [/^\/images\/products\/[^/]+$/, "/images/products/:file"],
  [/^\/assets\/.+$/, "/assets/*"],
];
const knownRoutes = new Set([
  "/",
  "/admin",
  "/admin/login",
  "/admin/logout",
  "/admin/live",
  "/admin/products",
  "/admin/holds",
  "/admin/warehouses",
  "/admin/audit",
  "/admin/audit.csv",
  "/admin/api-keys",
  "/admin/drops",
  "/drops",
  "/products",
  "/docs",
  "/stock/events",
  "/api/products",
  "/api/warehouses",
  "/api/reservations",
  "/api/health",
  "/api/openapi.json",
  "/api/cron/expire-reservations",
  "/api/admin/stock",
  "/api/admin/holds",
  "/api/admin/consistency",
  "/api/admin/consistency/repair",
  "/api/admin/events",
  "/api/admin/events.csv",
  "/api/admin/stats",
  "/api/admin/products",
  "/api/admin/warehouses",
  "/api/admin/api-keys",
  "/api/admin/drops",
  "/api/drops",
  "/api/events",
]);

function routeOf(url: string | undefined): string {
  // a page's data request (/admin/holds.data) counts as the page
  const path = (url ?? "/").split("?")[0]!.replace(/\.data$/, "");
  if (knownRoutes.has(path)) return path;
  for (const [pattern, route] of routePatterns) if (pattern.test(path)) return path.replace(pattern, route);
  return "other";
}

export function createMetrics(app: AppContext) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Histogram({
    name: "holdfast_http_request_duration_seconds",
    help: "HTTP requests by route, method and status",
    labelNames: ["route", "method", "status"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const holds = new Counter({
    name: "holdfast_holds_total",
    help:
      "What happened to holds: created, confirmed, released, expired, extended (from the outbox, whichever " +
      "process did it), and the hold requests this process refused, by code (insufficient_stock, " +
      "client_limit_reached, not_found, …)",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: "holdfast_write_batch_commands",
    help: "Commands that shared one transaction (group commit)",
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [registry],
  });
  const commitTime = new Histogram({
    name: "holdfast_write_commit_seconds",
    help: "Time from sending a group to the writer to its commit",
    labelNames: ["result"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  // a counter that follows the writer's own total: it only ever grows
  let writerBusyReported = 0;
  new Counter({
    name: "holdfast_writer_busy_seconds_total",
    help:
      "Seconds the writer thread spent running transactions (a local database file); its rate is the share " +
      "of the time the writer is busy, near 1 when writes set the pace",
    registers: [registry],
    collect() {
      const busy = app.database.writerBusySeconds();
      if (busy === null || busy <= writerBusyReported) return;
      this.inc(busy - writerBusyReported);
      writerBusyReported = busy;
    },
  });
  new Gauge({
    name: "holdfast_writer_queue_depth",
    help: "Commands waiting for the writer",
    registers: [registry],
    collect() {
      this.set(app.database.queueDepth());
    },
  });
  new Gauge({
    name: "holdfast_sse_streams_open",
    help: "Open live-update streams",
    registers: [registry],
    collect() {
      this.set(app.streams.open());
    },
  });
  new Gauge({
    name: "holdfast_consistency_violations",
    help: "Rows out of step in the newest consistency check",
    registers: [registry],
    collect() {
      this.set(app.consistency.last()?.violations.length ?? 0);
    },
  });
  new Gauge({
    name: "holdfast_units_held",
    help: "Units in pending holds, over every row",
    registers: [registry],
    async collect() {
      const result = await app.database.reader.execute("SELECT coalesce(sum(reserved), 0) AS held FROM inventory");
      this.set(Number(result.rows[0]?.held));
    },
  });

  const unobserveEvents = app.live.observe((events) => {
    for (const e of events) {
      const outcome = Object.hasOwn(holdOutcomes, e.type) ? holdOutcomes[e.type as keyof typeof holdOutcomes] : null;
      if (outcome) holds.inc({ outcome });
    }
  });
  const unobserveRefusals = app.reserveOutcomes.observe((outcome) => {
    if (!outcome.ok) holds.inc({ outcome: outcome.code });
  });
  const unobserveCommits = app.database.observeCommits(({ commands, ms, ok }) => {
    batchSize.observe(commands);
    commitTime.observe({ result: ok ? "committed" : "failed" }, ms / 1000);
  });

  return {
    registry,
    // one request, from its first byte to its last (the request log's
    // listener calls it, with the time)
    requestEnded(req: IncomingMessage, res: ServerResponse, seconds: number) {
      requests.observe({ route: routeOf(req.url), method: req.method ?? "", status: String(res.statusCode) }, seconds);
    },
    stop() {
      unobserveEvents();
      unobserveRefusals();
      unobserveCommits();
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

// The metrics server: GET /metrics, nothing else.
export function startMetricsServer({ metrics, port }: { metrics: Metrics; port: number }): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "").split("?")[0] !== "/metrics") {
      res.statusCode = 404;
      res.end("Not found\n");
      return;
    }
    metrics.registry.metrics().then(
      (text) => {
        res.setHeader("Content-Type", metrics.registry.contentType);
        res.end(text);
      },
      () => {
        res.statusCode = 500;
        res.end("The metrics could not be collected\n");
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => resolve(server));
  });
}
