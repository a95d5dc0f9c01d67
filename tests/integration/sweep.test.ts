import { existsSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { createDatabase, type Database } from "~/infra/db/db.server";
import { confirm } from "~/models/hold-changes.server";
import { hashSecret } from "~/models/holder.server";
import { KEY_LIFETIME_MS } from "~/models/idempotency.server";
import { readStock } from "~/models/inventory.server";
import { sweep } from "~/models/maintenance.server";
import { holdPolicy } from "~/models/reservation";
import { reserve } from "~/models/reservation.server";
import { expiredCount, nodeSweep, npmRunSweep } from "../helpers/commands";
import { addProduct, freshDatabase, rawCounts, scratchDir, uncapped } from "../helpers/database";
import { startServer, testSecrets, type RunningServer } from "../helpers/server";

const policy = holdPolicy(600);
const TTL = policy.ttlMs;
const open: Database[] = [];
const servers: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  await Promise.all(open.splice(0).map((d) => d.close()));
});

async function setup(units: number) {
  const database = await freshDatabase();
  open.push(database);
  await addProduct(database, { id: "lamp", rows: { "blr-01": units } });
  return database;
}

async function holds(database: Database, count: number, now: number) {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const outcome = await reserve({
        database,
        items: [{ productId: "lamp", warehouseId: "blr-01", quantity: 1 }],
        holder: { sessionHash: null },
        ...uncapped,
        policy,
        now,
      });
      if (!outcome.ok) throw new Error(`hold refused: ${outcome.code}`);
      const holder = { tokenHash: hashSecret(outcome.holdToken), sessionHash: null };
      return { id: outcome.reservation.id, expiresAt: outcome.reservation.expiresAt, holder };
    }),
  );
}

async function count(database: Database, sql: string): Promise<number> {
  const result = await database.reader.execute(sql);
  return Number(result.rows[0]?.n);
}

// The command sweeps by the wall clock, so holds made "an hour ago" (by
// passing that `now`) are due for it: time is moved, never waited for.
const anHourAgo = () => Date.now() - 3_600_000;

describe("sweep (the domain function behind every trigger)", () => {
  test("prunes idempotency keys older than 24 h and keeps everything younger", async () => {
    const database = await setup(1);
    const now = 10 * KEY_LIFETIME_MS;
    const ages = [KEY_LIFETIME_MS + 1, KEY_LIFETIME_MS + 5_000, KEY_LIFETIME_MS, 1];
    await database.write(
      Object.fromEntries(
        ages.map((age, i) => [
          `key ${i}`,
          {
            sql: `INSERT INTO idempotency_keys (scope, key, request_hash, response_status, response_body, created_at)
                  VALUES ('client', :key, 'h', 201, '{}', :createdAt)`,
            args: { key: `k${i}`, createdAt: now - age },
          },
        ]),
      ),
    );

    expect(await sweep({ database, now })).toEqual({ expired: 0, idempotencyKeysPruned: 2, cartsPruned: 0 });
    const left = await database.reader.execute("SELECT key FROM idempotency_keys ORDER BY key");
    expect(left.rows.map((r) => r.key)).toEqual(["k2", "k3"]);
    expect(await sweep({ database, now })).toEqual({ expired: 0, idempotencyKeysPruned: 0, cartsPruned: 0 });
  });

  test("expires what is due, and keeps every event (the audit trail)", async () => {
    const database = await setup(5);
    await holds(database, 3, 0);
    const eventsBefore = await count(database, "SELECT count(*) AS n FROM events");

    expect(await sweep({ database, now: TTL })).toEqual({ expired: 3, idempotencyKeysPruned: 0, cartsPruned: 0 });
    // far in the future: events of any age stay
    await sweep({ database, now: TTL + 365 * 24 * 3_600_000 });

    expect(await count(database, "SELECT count(*) AS n FROM events")).toBeGreaterThan(eventsBefore);
    expect(await count(database, "SELECT count(*) AS n FROM events WHERE type = 'reservation_created'")).toBe(3);
    expect(await count(database, "SELECT count(*) AS n FROM events WHERE type = 'reservation_expired'")).toBe(3);
  });

  test("a hold past its TTL is not counted as reserved before any sweep has run", async () => {
    const database = await setup(5);
    const [h] = await holds(database, 1, 0);
    const [stock] = await readStock({ database, productIds: ["lamp"], now: h!.expiresAt });
    expect(stock).toMatchObject({ reserved: 0, available: 5 });
    expect((await rawCounts(database))[0]?.reserved).toBe(1);
  });
});

describe("npm run sweep", () => {
  test("embedded file, no SWEEP_URL: sweeps the local file and prints the count", async () => {
    const database = await setup(10);
    // fresh ones first: a hold made later would reclaim the stale ones itself
    await holds(database, 2, Date.now());
    await holds(database, 3, anHourAgo());
    const url = await databaseUrl(database);

    const result = await npmRunSweep({ DATABASE_URL: url });

    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Expired 3 holds via the embedded database");
    expect((await rawCounts(database))[0]).toMatchObject({ reserved: 2 });
    expect(await count(database, "SELECT count(*) AS n FROM reservations WHERE status = 'pending'")).toBe(2);
  });

  test("embedded file that does not exist: fails without creating one", async () => {
    const file = path.join(scratchDir(), "missing.db");
    const result = await npmRunSweep({ DATABASE_URL: `file:${file}` });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`No database at ${file}`);
    expect(existsSync(file)).toBe(false);
  });

  test("JSON lines in production", async () => {
    const database = await setup(2);
    await holds(database, 1, anHourAgo());
    const result = await npmRunSweep({ NODE_ENV: "production", DATABASE_URL: await databaseUrl(database) });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.trim())).toMatchObject({ expired: 1, idempotencyKeysPruned: 0, via: "database" });
  });

  test("embedded file and SWEEP_URL: asks the app over HTTP with the cron secret", async () => {
    const url = await seededServerDatabase();
    const server = await startServer({ DATABASE_URL: url, SWEEP_INTERVAL_SECONDS: "0" });
    servers.push(server);
    const database = createDatabase({ url });
    open.push(database);
    await holds(database, 4, anHourAgo());
    const sweepUrl = `${server.url}/api/cron/expire-reservations`;

    // the scheduled machine has no database file of its own
    const elsewhere = `file:${path.join(scratchDir(), "not-here.db")}`;
    const result = await npmRunSweep({
      DATABASE_URL: elsewhere,
      SWEEP_URL: sweepUrl,
      CRON_SECRET: testSecrets.CRON_SECRET,
    });

    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Expired 4 holds via ${sweepUrl}`);
    expect((await rawCounts(database))[0]).toMatchObject({ reserved: 0 });
    expect(server.logs()).toMatch(/"msg":"sweep".*"trigger":"http".*"expired":4/);

    const refused = await npmRunSweep({
      DATABASE_URL: elsewhere,
      SWEEP_URL: sweepUrl,
      CRON_SECRET: "wrong-secret-0123456789",
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("answered 401");
    expect(existsSync(elsewhere.slice("file:".length))).toBe(false);
  });

  test("embedded file and SWEEP_URL that does not answer: fails", async () => {
    const result = await npmRunSweep({
      SWEEP_URL: "http://127.0.0.1:9/api/cron/expire-reservations",
      CRON_SECRET: testSecrets.CRON_SECRET,
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("Sweep failed");
  });

  // No libSQL server (sqld) can be installed on this machine, so the remote
  // sweep itself is not run against a real one. What is tested: a remote
  // DATABASE_URL makes the command talk libSQL's HTTP protocol (Hrana) to
  // that URL with the auth token, never to SWEEP_URL, and a failure there
  // exits non-zero.
  test("remote DATABASE_URL: goes to the database itself, not to SWEEP_URL", async () => {
    const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
    const fake = createServer((req, res) => {
      seen.push({ url: req.url ?? "", headers: req.headers });
      res.writeHead(503).end("no sqld here");
    });
    await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
    const port = (fake.address() as AddressInfo).port;
    const sweepUrl = `http://127.0.0.1:${port}/api/cron/expire-reservations`;
    try {
      const result = await npmRunSweep({
        DATABASE_URL: `http://127.0.0.1:${port}`,
        DATABASE_AUTH_TOKEN: "remote-token",
        SWEEP_URL: sweepUrl,
        CRON_SECRET: testSecrets.CRON_SECRET,
      });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain("Sweep failed");
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((r) => r.url.startsWith("/v"))).toBe(true); // /v2/pipeline, /v3/pipeline…
      expect(seen[0]?.headers.authorization).toBe("Bearer remote-token");
      expect(seen.some((r) => r.url.includes("/api/cron"))).toBe(false);
    } finally {
      fake.close();
    }
  });
});

describe("sweeps racing, across processes", () => {
  test("two sweep processes at once, and one in this process: each hold expires exactly once", async () => {
    const database = await setup(200);
    await holds(database, 200, anHourAgo());
    const url = await databaseUrl(database);

    const [a, b, here] = await Promise.all([
      nodeSweep({ DATABASE_URL: url }),
      nodeSweep({ DATABASE_URL: url }),
      sweep({ database, now: Date.now() }),
    ]);

    expect([a.code, b.code]).toEqual([0, 0]);
    expect(expiredCount(a) + expiredCount(b) + here.expired).toBe(200);
    expect((await rawCounts(database))[0]).toMatchObject({ reserved: 0, sold: 0 });
    expect(await count(database, "SELECT count(*) AS n FROM events WHERE type = 'reservation_expired'")).toBe(200);
    expect(await count(database, "SELECT count(*) AS n FROM reservations WHERE status = 'expired'")).toBe(200);
  });

  test("a sweep process racing confirms in this one: exactly one wins each hold", async () => {
    const database = await setup(60);
    // due by the wall clock the sweep process reads, while each payment
    // arrives (by its own clock) one millisecond before its hold expires
    const made = await holds(database, 60, Date.now() - TTL - 1_000);
    const url = await databaseUrl(database);

    const [swept, ...confirms] = await Promise.all([
      nodeSweep({ DATABASE_URL: url }),
      ...made.map((h) => confirm({ database, id: h.id, holder: h.holder, policy, now: h.expiresAt - 1 })),
    ]);

    expect(swept.code).toBe(0);
    const confirmed = confirms.filter((c) => c.ok).length;
    expect(confirmed + expiredCount(swept)).toBe(60);
    expect((await rawCounts(database))[0]).toMatchObject({ reserved: 0, sold: confirmed });
    const outcomes = await database.reader.execute(
      `SELECT reservation_id, group_concat(type) AS types FROM events
       WHERE type IN ('reservation_confirmed', 'reservation_expired') GROUP BY reservation_id`,
    );
    expect(outcomes.rows).toHaveLength(60);
    for (const row of outcomes.rows) expect(["reservation_confirmed", "reservation_expired"]).toContain(row.types);
  });
});

async function databaseUrl(database: Database): Promise<string> {
  const result = await database.reader.execute("PRAGMA database_list");
  return `file:${String(result.rows[0]?.file)}`;
}

// A migrated file with the test product, ready for a server to open.
async function seededServerDatabase(): Promise<string> {
  const database = await setup(10);
  const url = await databaseUrl(database);
  await database.close();
  open.splice(open.indexOf(database), 1);
  return url;
}
