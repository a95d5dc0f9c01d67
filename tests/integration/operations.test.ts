import { afterEach, describe, expect, test, vi } from "vitest";
import type { Database } from "~/infra/db/db.server";
import { createLog } from "~/infra/log.server";
import { createHealthCheck, healthReport } from "~/models/health.server";
import { holdPolicy } from "~/models/reservation";
import { reserve } from "~/models/reservation.server";
import { startSweeper } from "~/server/sweeper.server";
import { version } from "../../package.json";
import { addProduct, freshDatabase, rawCounts, uncapped } from "../helpers/database";
import { startServer, testSecrets, type RunningServer, noClientLimits } from "../helpers/server";

const policy = holdPolicy(600);
const open: Database[] = [];
const servers: RunningServer[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  await Promise.all(open.splice(0).map((d) => d.close()));
});

// A migrated file with one product of `units` in one warehouse; a server
// started on it finds warehouses and so does not seed the demo catalogue.
async function databaseWithStock(units: number) {
  const database = await freshDatabase();
  open.push(database);
  await addProduct(database, { id: "lamp", rows: { "blr-01": units } });
  const result = await database.reader.execute("PRAGMA database_list");
  return { database, url: `file:${String(result.rows[0]?.file)}` };
}

async function staleHolds(database: Database, count: number) {
  for (let i = 0; i < count; i++) {
    await reserve({
      database,
      items: [{ productId: "lamp", warehouseId: "blr-01", quantity: 1 }],
      holder: { sessionHash: null },
      ...uncapped,
      policy,
      now: Date.now() - 3_600_000,
    });
  }
}

async function serve(env: Record<string, string>) {
  const server = await startServer({ SWEEP_INTERVAL_SECONDS: "0", ...env });
  servers.push(server);
  return server;
}

function logLines(server: RunningServer): Record<string, unknown>[] {
  return server
    .logs()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("/api/cron/expire-reservations", () => {
  test("401 without the cron secret, { expired } with it, over GET and POST", async () => {
    const { database, url } = await databaseWithStock(10);
    await staleHolds(database, 3);
    const server = await serve({ DATABASE_URL: url });
    const endpoint = `${server.url}/api/cron/expire-reservations`;

    const refused: Record<string, string>[] = [
      {},
      { Authorization: "Bearer wrong-secret-0123456789" },
      { Authorization: testSecrets.CRON_SECRET }, // the secret without "Bearer"
    ];
    for (const headers of refused) {
      for (const method of ["GET", "POST"]) {
        const response = await fetch(endpoint, { method, headers });
        expect(response.status).toBe(401);
        expect(response.headers.get("cache-control")).toBe("no-store");
        expect(await response.json()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
      }
    }
    expect((await rawCounts(database))[0]?.reserved).toBe(3);

    const authorized = { Authorization: `Bearer ${testSecrets.CRON_SECRET}` };
    const first = await fetch(endpoint, { method: "POST", headers: authorized });
    expect(first.status).toBe(200);
    expect(first.headers.get("cache-control")).toBe("no-store");
    expect(await first.json()).toEqual({ expired: 3 });
    const again = await fetch(endpoint, { headers: authorized });
    expect(await again.json()).toEqual({ expired: 0 });
    expect((await rawCounts(database))[0]?.reserved).toBe(0);
  });
});

describe("/api/health", () => {
  test("200 with the version while the database answers", async () => {
    const { url } = await databaseWithStock(1);
    const server = await serve({ DATABASE_URL: url });
    const response = await fetch(`${server.url}/api/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(await response.json()).toMatchObject({ status: "ok", version, database: { reachable: true } });
  });

  test("HEAD has the same head and no body; any other method is 405 with Allow, its body read away first", async () => {
    const { url } = await databaseWithStock(1);
    const server = await serve({ DATABASE_URL: url });
    const get = await fetch(`${server.url}/api/health?from=fly`);
    const head = await fetch(`${server.url}/api/health`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get("content-length"))).toBeGreaterThan(0);
    expect(head.headers.get("content-security-policy")).toBe(get.headers.get("content-security-policy"));
    expect(await head.text()).toBe("");
    // the paths the API's router took as the same: any case, a trailing slash
    for (const path of ["/api/health/", "/API/Health", "/api/health/?probe=1"]) {
      const answer = await fetch(`${server.url}${path}`);
      expect(answer.status, path).toBe(200);
      expect(await answer.json(), path).toMatchObject({ status: "ok" });
    }

    for (const method of ["POST", "PUT", "DELETE", "OPTIONS"]) {
      const refused = await fetch(`${server.url}/api/health`, { method, body: "x".repeat(50_000) });
      expect(refused.status, method).toBe(405);
      expect(refused.headers.get("allow")).toBe("GET, HEAD");
      expect(refused.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
      expect(await refused.json()).toEqual({ error: { code: "method_not_allowed", message: "Use GET, HEAD here" } });
    }
    // only the path itself: a longer one is the API's 404
    for (const path of ["/api/healthz", "/api/health/x"])
      expect((await fetch(`${server.url}${path}`)).status).toBe(404);
  });

  test("503 when the database does not answer", async () => {
    const database = await freshDatabase();
    await database.close();

    const report = await healthReport({ check: createHealthCheck({ database }), consistency: null });

    expect(report.serving).toBe(false);
    expect(report.body).toMatchObject({
      status: "unavailable",
      version,
      database: { reachable: false, error: expect.any(String) },
    });
  });

  test("the check is at most a second old, and callers at once share one query", async () => {
    const database = await freshDatabase();
    let elapsed = 0;
    const check = createHealthCheck({ database, elapsedMs: () => elapsed });
    const queries = vi.spyOn(database.reader, "execute");

    const first = await Promise.all(Array.from({ length: 50 }, () => check.current()));
    expect(first.every((h) => h.status === "ok")).toBe(true);
    expect(queries).toHaveBeenCalledTimes(1);

    // the database goes away: within the second the last check still
    // answers, past it a new check finds out
    await database.close();
    elapsed = 999;
    expect((await check.current()).status).toBe("ok");
    expect(queries).toHaveBeenCalledTimes(1);
    elapsed = 1000;
    expect(await check.current()).toMatchObject({ status: "unavailable", database: { reachable: false } });
    expect(queries).toHaveBeenCalledTimes(2);
  });
});

describe("logs", () => {
  test("one JSON line per request in production, with the id sent back as X-Request-Id", async () => {
    const { url } = await databaseWithStock(1);
    const server = await serve({ DATABASE_URL: url });

    const response = await fetch(`${server.url}/api/health?probe=1`);
    const requestId = response.headers.get("x-request-id");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const chosen = await fetch(`${server.url}/no-such-page`, { headers: { "X-Request-Id": "trace-42" } });
    expect(chosen.headers.get("x-request-id")).toBe("trace-42");
    const hostile = await fetch(`${server.url}/api/health`, { headers: { "X-Request-Id": 'a b"}' } });
    expect(hostile.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);

    await expect.poll(() => logLines(server).filter((l) => l.msg === "request").length).toBe(3);
    const requests = logLines(server).filter((l) => l.msg === "request");
    expect(requests[0]).toEqual({
      time: expect.any(String),
      msg: "request",
      method: "GET",
      path: "/api/health",
      status: 200,
      ms: expect.any(Number),
      requestId,
    });
    expect(requests[1]).toMatchObject({ path: "/no-such-page", status: 404, requestId: "trace-42" });
  });

  test("past LOG_REQUESTS_PER_SECOND the rest are counted in one line, so every request is accounted for", async () => {
    const { url } = await databaseWithStock(1);
    const server = await serve({ DATABASE_URL: url, LOG_REQUESTS_PER_SECOND: "5" });

    const answers = await Promise.all(Array.from({ length: 40 }, () => fetch(`${server.url}/api/health`)));
    expect(answers.every((a) => a.status === 200)).toBe(true);

    const accounted = () => {
      const lines = logLines(server);
      const written = lines.filter((l) => l.msg === "request" && l.path === "/api/health").length;
      const counted = lines.filter((l) => l.msg === "requests not logged").reduce((n, l) => n + Number(l.count), 0);
      return { written: written <= 10, total: written + counted };
    };
    await expect.poll(accounted, { timeout: 5_000 }).toEqual({ written: true, total: 40 });
  });

  test("a server that stops says the count of its last second before it exits", async () => {
    const { url } = await databaseWithStock(1);
    const server = await serve({ DATABASE_URL: url, LOG_REQUESTS_PER_SECOND: "1" });
    for (let i = 0; i < 6; i += 1) await fetch(`${server.url}/api/health`);

    expect(await server.stop("SIGTERM")).toBe(0);
    const lines = logLines(server);
    const written = lines.filter((l) => l.msg === "request").length;
    const counted = lines.filter((l) => l.msg === "requests not logged").reduce((n, l) => n + Number(l.count), 0);
    expect(written + counted).toBe(6);
    expect(lines.findIndex((l) => l.msg === "requests not logged")).toBeLessThan(
      lines.findIndex((l) => l.msg === "stopped"),
    );
  });

  test("readable lines in development, and one line per sweep", async () => {
    const { database, url } = await databaseWithStock(5);
    await staleHolds(database, 2);
    const server = await serve({ DATABASE_URL: url, NODE_ENV: "development" });
    const response = await fetch(`${server.url}/api/cron/expire-reservations`, {
      method: "POST",
      headers: { Authorization: `Bearer ${testSecrets.CRON_SECRET}` },
    });
    expect(await response.json()).toEqual({ expired: 2 });
    const id = response.headers.get("x-request-id");

    await expect
      .poll(() => server.logs())
      .toContain(`request method=POST path=/api/cron/expire-reservations status=200`);
    expect(server.logs()).toMatch(/^sweep trigger=http expired=2 idempotencyKeysPruned=0 cartsPruned=0 ms=\d+$/m);
    expect(server.logs()).toMatch(new RegExp(`status=200 ms=[\\d.]+ requestId=${id}$`, "m"));
    expect(server.logs()).not.toContain('{"');
  });
});

describe("the in-process sweeper", () => {
  test("sweeps every SWEEP_INTERVAL_SECONDS by the app's clock, and stops cleanly", async () => {
    const { database } = await databaseWithStock(5);
    await reserve({
      database,
      items: [{ productId: "lamp", warehouseId: "blr-01", quantity: 2 }],
      holder: { sessionHash: null },
      ...uncapped,
      policy,
      now: 0,
    });
    const lines: string[] = [];
    let now = policy.ttlMs - 1;
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const sweeper = startSweeper({
      database,
      clock: () => now,
      log: createLog({ json: false, write: (line) => lines.push(line) }),
      intervalSeconds: 15,
    });

    await vi.advanceTimersByTimeAsync(15_000);
    await vi.waitFor(() => expect(lines).toHaveLength(1));
    expect(lines[0]).toMatch(/^sweep trigger=timer expired=0 /);
    now = policy.ttlMs;
    await vi.advanceTimersByTimeAsync(15_000);
    await vi.waitFor(() => expect(lines).toHaveLength(2));
    expect(lines[1]).toMatch(/^sweep trigger=timer expired=1 /);
    expect((await rawCounts(database))[0]?.reserved).toBe(0);

    await sweeper.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(lines).toHaveLength(2);
  });

  test("runs in the server, and SWEEP_INTERVAL_SECONDS=0 turns it off", async () => {
    const { url } = await databaseWithStock(1);
    const off = await serve({ DATABASE_URL: url, NODE_ENV: "development" });
    expect(off.logs()).toContain("sweeper off (SWEEP_INTERVAL_SECONDS=0)");
  });
});

describe("SIGTERM", () => {
  test("finishes the accepted holds, closes the database and exits 0 within 10 s", async () => {
    const { database, url } = await databaseWithStock(10_000);
    const server = await serve({ DATABASE_URL: url, ...noClientLimits, SWEEP_INTERVAL_SECONDS: "1" });
    type Answer = { status: number; body: { reservation?: { id: string } } };
    const hold = (): Promise<Answer> =>
      fetch(`${server.url}/api/reservations`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ productId: "lamp", warehouseId: "blr-01", quantity: 1 }),
      }).then(
        async (response) => ({
          status: response.status,
          body: (await response.json()) as { reservation?: { id: string } },
        }),
        () => ({ status: 0, body: {} }), // refused or cut: never accepted
      );

    const firstWave = Array.from({ length: 300 }, hold);
    await Promise.race(firstWave);
    const signalled = Date.now();
    const exited = server.stop("SIGTERM");
    const secondWave = Array.from({ length: 50 }, hold);
    const results = await Promise.all([...firstWave, ...secondWave]);
    const code = await exited;
    const tookMs = Date.now() - signalled;

    expect(code).toBe(0);
    expect(tookMs).toBeLessThan(10_000);
    expect(results.filter((r) => r.status >= 500)).toEqual([]);
    const accepted = results.filter((r) => r.status === 201).map((r) => r.body.reservation!.id);
    expect(accepted.length).toBeGreaterThan(0);

    // every hold a client was told about is in the file, and the counts agree
    const stored = await database.reader.execute({
      sql: "SELECT id FROM reservations WHERE status = 'pending' AND id IN (SELECT value FROM json_each(:ids))",
      args: { ids: JSON.stringify(accepted) },
    });
    expect(stored.rows).toHaveLength(accepted.length);
    const pending = await database.reader.execute("SELECT count(*) AS n FROM reservations WHERE status = 'pending'");
    expect((await rawCounts(database))[0]?.reserved).toBe(Number(pending.rows[0]?.n));
    expect(server.logs()).toContain('"msg":"shutting down","signal":"SIGTERM"');
    expect(server.logs()).toContain('"msg":"stopped"');
  });
});
