import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { call } from "../helpers/api";
import { testDatabaseUrl } from "../helpers/database";
import { noClientLimits, startServer, type RunningServer, freePort } from "../helpers/server";

// /metrics, in Prometheus's text format, on a port of its own.

let server: RunningServer;
let metricsUrl: string;

beforeAll(async () => {
  const port = await freePort();
  server = await startServer({ DATABASE_URL: testDatabaseUrl(), ...noClientLimits, METRICS_PORT: String(port) });
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
});
afterAll(async () => {
  await server.stop();
});

// Every sample line is `name{labels} value`; every metric has HELP and TYPE.
// (prom-client writes a gauge not yet sampled as "Nan", which Prometheus's
// float parser reads as NaN.)
function parse(text: string) {
  const samples = new Map<string, number>();
  const typed = new Set<string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const meta = /^# (HELP|TYPE) (\w+) /.exec(line);
    if (meta) {
      if (meta[1] === "TYPE") typed.add(meta[2]!);
      continue;
    }
    const sample = /^(\w+)(\{[^}]*\})? (-?[\d.e+-]+|NaN|Nan|\+Inf|-Inf)$/.exec(line);
    expect(sample, line).not.toBeNull();
    samples.set(`${sample![1]}${sample![2] ?? ""}`, Number(sample![3]));
  }
  return { samples, typed };
}

describe("/metrics", () => {
  test("parses, and counts holds from the outbox, requests by route, the writer and the live streams", async () => {
    // the start's own writes (migrations, seed) came before the metrics did
    const before = parse(await (await fetch(metricsUrl)).text()).samples;
    for (let i = 0; i < 3; i++) {
      const held = await call(server.url, "/api/reservations", {
        method: "POST",
        body: { productId: "aurora-headphones", warehouseId: "blr-01", quantity: 1 },
      });
      expect(held.status).toBe(201);
    }
    await call(server.url, "/api/products/aurora-headphones");

    await expect
      .poll(async () =>
        parse(await (await fetch(metricsUrl)).text()).samples.get('holdfast_holds_total{outcome="created"}'),
      )
      .toBe(3);
    const { samples, typed } = parse(await (await fetch(metricsUrl)).text());
    for (const name of [
      "holdfast_http_request_duration_seconds",
      "holdfast_holds_total",
      "holdfast_units_held",
      "holdfast_writer_queue_depth",
      "holdfast_write_batch_commands",
      "holdfast_write_commit_seconds",
      "holdfast_writer_busy_seconds_total",
      "holdfast_sse_streams_open",
      "holdfast_consistency_violations",
      "nodejs_eventloop_lag_seconds",
      "process_resident_memory_bytes",
    ]) {
      expect(typed, name).toContain(name);
    }
    expect(
      samples.get('holdfast_http_request_duration_seconds_count{route="/api/reservations",method="POST",status="201"}'),
    ).toBe(3);
    expect(
      samples.get('holdfast_http_request_duration_seconds_count{route="/api/products/:id",method="GET",status="200"}'),
    ).toBe(1);
    expect(samples.get("holdfast_units_held")).toBeGreaterThanOrEqual(3);
    expect(samples.get("holdfast_write_batch_commands_count")).toBeGreaterThanOrEqual(1);
    // the writer thread's own time for the holds: some, and never more than
    // the time from sending their groups to the commits, which includes it
    const grew = (name: string) => samples.get(name)! - (before.get(name) ?? 0);
    const busy = grew("holdfast_writer_busy_seconds_total");
    expect(busy).toBeGreaterThan(0);
    expect(busy).toBeLessThanOrEqual(grew('holdfast_write_commit_seconds_sum{result="committed"}'));
    expect(samples.get("holdfast_consistency_violations")).toBe(0);
  });

  test("only /metrics, and not on the shop's port", async () => {
    expect((await fetch(metricsUrl.replace("/metrics", "/"))).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
  });
});
