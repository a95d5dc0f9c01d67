import { createServer, type Server } from "node:http";
import path from "node:path";
import { createClient } from "@libsql/client";
import type { ServerBuild } from "@remix-run/node";
import { afterEach, describe, expect, test } from "vitest";
import { parseEnv } from "~/infra/env.server";
import { startApp, type RunningApp } from "~/server/app.server";
import { createHttpHandler } from "~/server/http.server";
import { call, setStock } from "../helpers/api";
import { testDatabaseUrl } from "../helpers/database";
import { noClientLimits, startServer, testSecrets } from "../helpers/server";

// The promise under faults: a killed process, a full disk, a writer that
// dies. Nothing acknowledged is lost, nothing is half-written, and the
// server says what is wrong instead of answering 500.

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const done of cleanup.splice(0).reverse()) await done();
});

const line = { productId: "lumen-desk-lamp", warehouseId: "del-01", quantity: 1 };

// Every row's `reserved` is exactly its pending lines, and SQLite finds the
// file sound.
async function booksBalance(url: string) {
  const client = createClient({ url });
  try {
    const integrity = await client.execute("PRAGMA integrity_check");
    const drift = await client.execute(`
      SELECT i.product_id, i.warehouse_id, i.reserved,
             (SELECT coalesce(sum(ri.quantity), 0) FROM reservation_items ri
              JOIN reservations r ON r.id = ri.reservation_id
              WHERE r.status = 'pending' AND ri.product_id = i.product_id AND ri.warehouse_id = i.warehouse_id) AS pending
      FROM inventory i WHERE i.reserved != pending`);
    return { integrity: String(integrity.rows[0]?.[0]), drift: drift.rows.length };
  } finally {
    client.close();
  }
}

async function statusesOf(url: string, ids: string[]) {
  const client = createClient({ url });
  const result = await client.execute({
    sql: "SELECT id, status FROM reservations WHERE id IN (SELECT value FROM json_each(:ids))",
    args: { ids: JSON.stringify(ids) },
  });
  client.close();
  return new Map(result.rows.map((r) => [String(r.id), String(r.status)]));
}

describe("kill -9 under load", () => {
  test("three times: every acknowledged hold and payment is there after a restart, and the books balance", async () => {
    const url = testDatabaseUrl();
    const acknowledged: { id: string; paid: boolean }[] = [];
    for (let round = 0; round < 3; round++) {
      const server = await startServer({ DATABASE_URL: url, ...noClientLimits });
      if (round === 0) await setStock(url, line.productId, line.warehouseId, 1_000_000);
      let killed = false;
      // 24 shoppers in a loop: hold, then pay for every other hold
      const shoppers = Array.from({ length: 24 }, async (_, shopper) => {
        for (let i = 0; !killed; i++) {
          try {
            const held = await fetch(`${server.url}/api/reservations`, {
              method: "POST",
              headers: { "Content-Type": "application/json" },
              body: JSON.stringify(line),
            });
            if (held.status !== 201) continue;
            const { reservation, holdToken } = (await held.json()) as {
              reservation: { id: string };
              holdToken: string;
            };
            const record = { id: reservation.id, paid: false };
            acknowledged.push(record);
            if ((shopper + i) % 2 === 0) {
              const paid = await fetch(`${server.url}/api/reservations/${reservation.id}/confirm`, {
                method: "POST",
                headers: { Authorization: `Bearer ${holdToken}` },
              });
              if (paid.status === 200) record.paid = true;
            }
          } catch {
            // the connection died with the server: not acknowledged
          }
        }
      });
      await expect.poll(() => acknowledged.length, { timeout: 20_000 }).toBeGreaterThan(50 * (round + 1));
      killed = true;
      await server.stop("SIGKILL");
      await Promise.all(shoppers);

      // the restarted server opens the same file cleanly
      const restarted = await startServer({ DATABASE_URL: url, ...noClientLimits });
      expect((await call(restarted.url, "/api/health")).status).toBe(200);
      await restarted.stop();
      const statuses = await statusesOf(
        url,
        acknowledged.map((a) => a.id),
      );
      for (const hold of acknowledged) {
        expect(statuses.has(hold.id), hold.id).toBe(true);
        if (hold.paid) expect(statuses.get(hold.id)).toBe("confirmed");
      }
      expect(await booksBalance(url)).toEqual({ integrity: "ok", drift: 0 });
    }
    expect(acknowledged.filter((a) => a.paid).length).toBeGreaterThan(0);
  });
});

// The app in this process, behind the same HTTP handler as `npm start`, so a
// test can reach its database connection: what a real fault would do to it.
async function inProcessServer({ writerHeapMb }: { writerHeapMb?: number } = {}) {
  const url = testDatabaseUrl();
  const env = parseEnv({
    ...testSecrets,
    ...noClientLimits,
    NODE_ENV: "test",
    DATABASE_URL: url,
    SWEEP_INTERVAL_SECONDS: "0",
  });
  const fatal: Error[] = [];
  const running: RunningApp = await startApp({
    env,
    log: () => {},
    onFatal: (error) => fatal.push(error),
    writerHeapMb,
  });
  const buildDir = path.resolve(process.env.HOLDFAST_BUILD_DIR ?? "build");
  const build = (await import(/* @vite-ignore */ path.join(buildDir, "server/index.js"))) as ServerBuild;
  const server: Server = createServer(createHttpHandler({ context: running.context, build }).listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  cleanup.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await running.stop().catch(() => {});
  });
  return { url, base, database: running.context.database, fatal };
}

const hold = (base: string) => call(base, "/api/reservations", { method: "POST", body: line });

describe("a full disk", () => {
  test("holds get 503 storage_full with Retry-After, nothing is half-written, and they work again when space returns", async () => {
    const { url, base, database } = await inProcessServer();
    const { pages } = await database.write({ pages: "PRAGMA page_count" });
    // the writer's connection may not grow the file past its size now
    await database.write({ limit: `PRAGMA max_page_count = ${Number(pages.rows[0]![0])}` });

    const answers = [];
    for (let i = 0; i < 400; i++) {
      const answer = await hold(base);
      answers.push(answer);
      if (answer.status === 503) break;
    }
    const full = answers.at(-1)!;
    expect(full.status).toBe(503);
    expect(full.body).toMatchObject({ error: { code: "storage_full" } });
    expect(Number(full.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(answers.slice(0, -1).every((a) => a.status === 201)).toBe(true);
    // a burst while full: every one refused cleanly, none a 500
    const burst = await Promise.all(Array.from({ length: 20 }, () => hold(base)));
    expect(new Set(burst.map((a) => a.status))).toEqual(new Set([503]));
    expect(await booksBalance(url)).toEqual({ integrity: "ok", drift: 0 });
    const acknowledged = answers
      .filter((a) => a.status === 201)
      .map((a) => (a.body as { reservation: { id: string } }).reservation.id);
    expect((await statusesOf(url, acknowledged)).size).toBe(acknowledged.length);

    await database.write({ limit: "PRAGMA max_page_count = 1073741823" });
    expect((await hold(base)).status).toBe(201);
    expect(await booksBalance(url)).toEqual({ integrity: "ok", drift: 0 });
  });
});

describe("the writer thread dying", () => {
  test("in-flight requests get 503, /api/health says so, and the server is told to exit", async () => {
    const { base, database, fatal } = await inProcessServer({ writerHeapMb: 16 });
    expect((await hold(base)).status).toBe(201);

    // a write whose result cannot fit the writer's heap kills the thread,
    // as a crash would, while holds are on their way
    const inFlight = Array.from({ length: 20 }, () => hold(base));
    const killer = database
      .write({
        huge: "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000000) SELECT i, hex(randomblob(32)) FROM n",
      })
      .catch((error: unknown) => error);
    const answers = await Promise.all(inFlight);
    await killer;

    for (const answer of answers) expect([201, 503]).toContain(answer.status);
    const after = await hold(base);
    expect(after.status).toBe(503);
    expect(after.body).toMatchObject({ error: { code: "service_unavailable" } });
    expect(after.headers.get("retry-after")).not.toBeNull();
    const health = await fetch(`${base}/api/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({
      status: "unavailable",
      database: { reachable: false, error: expect.stringContaining("writer") },
    });
    expect(fatal).toHaveLength(1);
  });
});
