// npm run bench: builds the production server, starts it on a fresh embedded
// database beside a bare node:http server and (when PostgreSQL is here) the
// seeds' design it replaced, drives each over HTTP from a separate process
// with the same cells, and prints one table with the ratios; the figures go
// to bench/results/<date>.json.
//   BENCH_SECONDS: each cell's length after its warm-up (30)
import { execFileSync, execSync, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { createClient } from "@libsql/client";
import { v7 as timeOrderedUuid } from "uuid";
import { freePort, listeningUrl } from "./listening";
import { startPostgres } from "./postgres";
import { sampleWriter, writerDuring } from "./writer-stats";

const DURATION = Number(process.env.BENCH_SECONDS ?? 30);
const WARM_UP_SECONDS = 5;
const HOT: [string, string] = ["aurora-headphones", "blr-01"];
const SELL_OUT: [string, string] = ["zenith-linen-cushion", "mum-01"];
// the product's only row: a drop governs a product in every warehouse, so
// one stocked elsewhere would turn the spread run's anonymous holds there
// into refusals
const DROP: [string, string] = ["monsoon-kettle", "mum-01"];
const DROP_CUSTOMERS = 2000;
const DROP_UNITS = 100;

type Result = {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  "2xx": number;
  non2xx: number;
  "5xx": number;
  statusCodeStats: Record<string, { count: number }>;
  // a drop's run only (load.mjs): answers by status and error code, and
  // the seconds from the start to the last answer
  answers?: Record<string, number>;
  seconds?: number;
};

// Requests a second: a drop's run lasts a second or two, which autocannon's
// one-second samples measure poorly, so it is timed to its last answer.
const perSecond = (r: Result) => (r.seconds ? r.requests.total / r.seconds : r.requests.average);

type Started = { url: string; stop: () => void };

// A server in its own process, ready once it prints the address it listens on.
async function startProcess(script: string, env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await listeningUrl(child, script);
  return { url, stop: () => child.kill("SIGTERM") };
}

// Holdfast, with its metrics on a port of their own for the writer's figures.
async function startHoldfast(databaseUrl: string): Promise<Started & { metricsUrl: string }> {
  const metricsPort = await freePort();
  const started = await startProcess("build/server.js", {
    NODE_ENV: "production",
    PORT: "0",
    DATABASE_URL: databaseUrl,
    // every simulated shopper is 127.0.0.1: the per-address limits are off
    RATE_LIMIT_PER_MINUTE: "0",
    MAX_PENDING_HOLDS_PER_CLIENT: "0",
    MAX_PENDING_UNITS_PER_CLIENT: "0",
    MAX_PENDING_UNITS_PER_ADDRESS: "0",
    SESSION_SECRET: "bench-session-secret-0123456789",
    CRON_SECRET: "bench-cron-secret-0123456789",
    ADMIN_TOKEN: "bench-admin-token-0123456789",
    METRICS_PORT: String(metricsPort),
  });
  return { ...started, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
}

// The seeds' design on a PostgreSQL of its own, with the same rows.
async function startSeedsDesign(
  rows: [string, string][],
): Promise<(Started | { skipped: string }) & { stop: () => void }> {
  const postgres = await startPostgres(rows);
  if ("skipped" in postgres) return { skipped: postgres.skipped, stop: () => {} };
  const server = await startProcess("bench/seeds-design.mjs", postgres.env).catch((error: unknown) => {
    postgres.stop();
    throw error;
  });
  return {
    url: server.url,
    stop: () => {
      server.stop();
      postgres.stop();
    },
  };
}

function load(scenario: Record<string, unknown>): Result {
  const out = execFileSync(process.execPath, ["bench/load.mjs"], {
    input: JSON.stringify(scenario),
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out.toString()) as Result;
}

async function main() {
  console.log("Building the production server…");
  execSync("npm run build", { stdio: "ignore" });
  const dir = mkdtempSync(path.join(tmpdir(), "holdfast-bench-"));
  const databaseUrl = `file:${path.join(dir, "bench.db")}`;
  const server = await startHoldfast(databaseUrl);
  const bare = await startProcess("bench/baseline.mjs", {});
  const db = createClient({ url: databaseUrl, timeout: 5_000 });
  let stopSeeds = () => {};
  try {
    // Stock large enough never to run out, except for the sell-out row.
    await db.batch(
      [
        "UPDATE inventory SET total = sold + 10000000",
        {
          sql: `INSERT INTO inventory (product_id, warehouse_id, total, reserved, sold, updated_at)
                VALUES (?, ?, 100, 0, 0, 0)
                ON CONFLICT DO UPDATE SET total = 100, reserved = 0, sold = 0`,
          args: SELL_OUT,
        },
      ],
      "write",
    );
    // The drop: live since a second ago, open-ended, one unit a customer, on
    // a row of exactly 100 units; and one integrator key per customer, as
    // 2,000 storefront sessions would each come with their own. Only the
    // keys' hashes are stored, as createApiKey stores them.
    const now = Date.now();
    const dropId = timeOrderedUuid();
    const keys = Array.from({ length: DROP_CUSTOMERS }, () => `hfk_${randomBytes(32).toString("base64url")}`);
    await db.batch(
      [
        {
          sql: `INSERT INTO inventory (product_id, warehouse_id, total, reserved, sold, updated_at)
                VALUES (?, ?, ?, 0, 0, 0)
                ON CONFLICT DO UPDATE SET total = excluded.total, reserved = 0, sold = 0`,
          args: [...DROP, DROP_UNITS],
        },
        {
          sql: `INSERT INTO drops (id, name, starts_at, ends_at, hold_ttl_seconds, max_per_customer, extensions,
                                   created_at, updated_at)
                VALUES (?, 'Bench drop', ?, NULL, 60, 1, 0, ?, ?)`,
          args: [dropId, now - 1000, now, now],
        },
        { sql: "INSERT INTO drop_products (drop_id, product_id) VALUES (?, ?)", args: [dropId, DROP[0]] },
        ...keys.map((key, i) => ({
          sql: "INSERT INTO api_keys (id, name, key_hash, created_at) VALUES (?, ?, ?, ?)",
          args: [timeOrderedUuid(), `bench customer ${i + 1}`, createHash("sha256").update(key).digest("hex"), now],
        })),
      ],
      "write",
    );
    const rows = (
      await db.execute({
        sql: "SELECT product_id, warehouse_id FROM inventory WHERE total > 1000 AND product_id <> ?",
        args: [DROP[0]],
      })
    ).rows.map((r) => [String(r.product_id), String(r.warehouse_id)]);

    const seeds = await startSeedsDesign(rows as [string, string][]);
    stopSeeds = seeds.stop;
    const system = { bare: bare.url, holdfast: server.url, seeds: "url" in seeds ? seeds.url : null };
    type System = keyof typeof system;
    type Writer = ReturnType<typeof writerDuring>;
    // a cell of one system; for Holdfast's holds, with what its writer did
    const cell = async (sys: System, scenario: Record<string, unknown>, connections: number, seconds = DURATION) => {
      process.stdout.write(`  ${sys} ${String(scenario.kind)} at ${connections} connections… `);
      const watchWriter = sys === "holdfast" && scenario.kind !== "health";
      const before = watchWriter ? await sampleWriter(server.metricsUrl) : null;
      const result = load({ url: system[sys], connections, duration: seconds, ...scenario });
      const writer = before ? writerDuring(before, await sampleWriter(server.metricsUrl), seconds) : null;
      const shown = writer
        ? `; ${writer.perGroup} holds a group, writer busy ${writer.busyPercent} % (a group out ${writer.outPercent} %)`
        : "";
      console.log(`${Math.round(perSecond(result))}/s, p99 ${result.latency.p99} ms${shown}`);
      return { result, writer };
    };

    console.log(`Cells of ${DURATION} s, after a ${WARM_UP_SECONDS} s warm-up of each system:`);
    if (!("url" in seeds)) console.log(`  (the seeds' design is skipped: ${seeds.skipped})`);
    const health = { kind: "health" };
    const hot = { kind: "hot", row: HOT };
    const spread = { kind: "spread", rows };
    const present = (Object.keys(system) as System[]).filter((sys) => system[sys] !== null);
    for (const sys of present) await cell(sys, sys === "bare" ? health : hot, 32, WARM_UP_SECONDS);
    // every system's cell of a kind runs back to back, so the machine's
    // drift through the run touches them alike
    const kinds = [
      { name: "GET /api/health", scenario: health, systems: ["bare", "holdfast"] as System[] },
      { name: "hot row", scenario: hot, systems: ["seeds", "holdfast"] as System[] },
      { name: "spread rows", scenario: spread, systems: ["seeds", "holdfast"] as System[] },
    ];
    const cells: {
      name: string;
      connections: number;
      results: Partial<Record<System, Result>>;
      writer: Writer | null;
    }[] = [];
    for (const { name, scenario, systems } of kinds) {
      for (const connections of [32, 128]) {
        const results: Partial<Record<System, Result>> = {};
        let writer: Writer | null = null;
        for (const sys of systems.filter((s) => system[s] !== null)) {
          const measured = await cell(sys, scenario, connections);
          results[sys] = measured.result;
          writer ??= measured.writer;
        }
        cells.push({ name, connections, results, writer });
      }
    }
    stopSeeds();
    stopSeeds = () => {};

    const sellOut = load({ url: server.url, connections: 100, kind: "hot", row: SELL_OUT, amount: 1000 });
    // 2,000 customers arriving in one second, each with its own key; then
    // each tries once more, as a shopper who was refused would
    const drop = {
      url: server.url,
      kind: "drop",
      row: DROP,
      keys,
      amount: DROP_CUSTOMERS,
      overallRate: DROP_CUSTOMERS,
    };
    const dropFirst = load({ ...drop, connections: 200 });
    const dropAgain = load({ ...drop, connections: 200 });

    const [held] = (
      await db.execute({
        sql: "SELECT reserved, sold, total FROM inventory WHERE product_id = ? AND warehouse_id = ?",
        args: SELL_OUT,
      })
    ).rows;
    // the drop's holds as stored: how many, and any customer with two
    const dropHolds = `FROM reservations r JOIN reservation_items ri ON ri.reservation_id = r.id
                       WHERE ri.product_id = ? AND ri.warehouse_id = ?`;
    const dropHeld = Number((await db.execute({ sql: `SELECT count(*) AS n ${dropHolds}`, args: DROP })).rows[0]?.n);
    const dropReserved = Number(
      (
        await db.execute({
          sql: "SELECT reserved FROM inventory WHERE product_id = ? AND warehouse_id = ?",
          args: DROP,
        })
      ).rows[0]?.reserved,
    );
    const customersWithTwo = (
      await db.execute({
        sql: `SELECT r.customer_key, count(*) AS n ${dropHolds} GROUP BY r.customer_key HAVING count(*) > 1`,
        args: DROP,
      })
    ).rows.length;
    const oversold = (
      await db.execute(`SELECT count(*) AS n FROM inventory i WHERE i.reserved + i.sold > i.total
        OR i.reserved <> (SELECT coalesce(sum(ri.quantity), 0) FROM reservation_items ri
                          JOIN reservations r ON r.id = ri.reservation_id
                          WHERE r.status = 'pending' AND ri.product_id = i.product_id AND ri.warehouse_id = i.warehouse_id)`)
    ).rows[0]?.n;

    const machine = `${cpus()[0]?.model ?? "unknown CPU"} × ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
    const ratio = (a: Result | undefined, b: Result | undefined) =>
      a && b ? `${(perSecond(a) / perSecond(b)).toFixed(2)}×` : "";
    const rate = (r: Result | undefined) => (r ? Math.round(perSecond(r)) : "");
    const table = cells.map(({ name, connections, results, writer }) => {
      const ours = results.holdfast!;
      return {
        cell: name,
        connections,
        "bare node:http": rate(results.bare),
        "seeds' design": rate(results.seeds),
        "seeds' p99 ms": results.seeds?.latency.p99 ?? "",
        Holdfast: rate(ours),
        "Holdfast p99 ms": ours.latency.p99,
        "Holdfast ÷ other": ratio(ours, results.bare ?? results.seeds),
        "holds a group": writer?.perGroup ?? "",
        "writer busy %": writer?.busyPercent ?? "",
        "group out %": writer?.outPercent ?? "",
        "non-2xx": ours.non2xx,
      };
    });
    const dropPasses = [dropFirst, dropAgain].map((r, i) => ({
      pass: i === 0 ? "first try" : "second try",
      requests: r.requests.total,
      seconds: Math.round((r.seconds ?? 0) * 100) / 100,
      "req/s": Math.round(perSecond(r)),
      "holds/s": Math.round(r["2xx"] / (r.seconds ?? 1)),
      "p50 ms": r.latency.p50,
      "p99 ms": r.latency.p99,
      answers: Object.entries(r.answers ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([answer, n]) => `${answer} ×${n}`)
        .join(", "),
    }));
    console.log(`\n${new Date().toISOString()} · ${machine}`);
    console.table(table);
    if (!("url" in seeds)) console.log(`The seeds' design was skipped: ${seeds.skipped}`);
    console.log(`Drop: ${DROP_CUSTOMERS} customers with a key each, ${DROP_UNITS} units, limit 1`);
    console.table(dropPasses);
    const sellOutOk = sellOut["2xx"] === 100 && Number(held?.reserved) === 100;
    const serverErrors = cells.reduce((s, c) => s + c.results.holdfast!["5xx"], sellOut["5xx"]);
    const dropCreated = dropFirst["2xx"] + dropAgain["2xx"];
    const dropHeldOk = dropCreated === DROP_UNITS && dropHeld === DROP_UNITS && dropReserved === DROP_UNITS;
    // every customer's try answered with a hold or a 409: a 401 or a 429
    // would mean the drop was not what it claims to test, and a try never
    // answered (a timeout) is a failure too
    const dropOdd = [dropFirst, dropAgain].reduce(
      (s, r) => s - r["2xx"] - (r.statusCodeStats["409"]?.count ?? 0),
      2 * DROP_CUSTOMERS,
    );
    const dropErrors = dropFirst["5xx"] + dropAgain["5xx"];
    const holdfast = (name: string, connections: number) =>
      cells.find((c) => c.name === name && c.connections === connections)!.results;
    // the performance issue's goals, as ratios within this run
    const targets = [
      ...(["hot row", "spread rows"] as const).flatMap((name) =>
        [32, 128].map((connections) => {
          const { holdfast: ours, seeds: theirs } = holdfast(name, connections);
          const goal = name === "hot row" ? 3 : 1.5;
          return {
            target: `${name}, ${connections}: ≥ ${goal}× the seeds' design`,
            measured: theirs ? ratio(ours, theirs) : "skipped",
            met: theirs ? perSecond(ours!) >= goal * perSecond(theirs) : null,
          };
        }),
      ),
      ...(["hot row", "spread rows"] as const).flatMap((name) =>
        [32, 128].map((connections) => {
          const limit = connections === 32 ? 25 : 50;
          const p99 = holdfast(name, connections).holdfast!.latency.p99;
          return { target: `${name}, ${connections}: p99 < ${limit} ms`, measured: `${p99} ms`, met: p99 < limit };
        }),
      ),
      (() => {
        const { holdfast: ours, bare: theirs } = holdfast("GET /api/health", 128);
        return {
          target: "GET /api/health, 128: ≥ 50 % of bare node:http, p99 < 50 ms",
          measured: `${Math.round((perSecond(ours!) / perSecond(theirs!)) * 100)} %, p99 ${ours!.latency.p99} ms`,
          met: perSecond(ours!) >= 0.5 * perSecond(theirs!) && ours!.latency.p99 < 50,
        };
      })(),
      { target: "no 5xx in any run", measured: String(serverErrors), met: serverErrors === 0 },
      {
        target: "sell-out: exactly 100 of 1,000 succeed",
        measured: `${sellOut["2xx"]} (reserved ${held?.reserved})`,
        met: sellOutOk,
      },
      { target: "no row oversold or out of step", measured: String(oversold), met: Number(oversold) === 0 },
      {
        target: "drop: exactly 100 of 2,000 customers hold a unit",
        measured: `${dropCreated} × 201, ${dropHeld} stored (reserved ${dropReserved})`,
        met: dropHeldOk,
      },
      { target: "drop: nobody holds two", measured: `${customersWithTwo} customers`, met: customersWithTwo === 0 },
      {
        target: "drop: no 5xx, every refusal a 409",
        measured: `${dropErrors} × 5xx, ${dropOdd} other`,
        met: dropErrors === 0 && dropOdd === 0,
      },
    ];
    console.table(targets);

    mkdirSync("bench/results", { recursive: true });
    const file = `bench/results/${new Date().toISOString().slice(0, 10)}.json`;
    writeFileSync(
      file,
      `${JSON.stringify({ date: new Date().toISOString(), machine, durationSeconds: DURATION, table, targets, sellOut: { succeeded: sellOut["2xx"], units: 100, reserved: Number(held?.reserved) }, drop: { customers: DROP_CUSTOMERS, units: DROP_UNITS, maxPerCustomer: 1, passes: dropPasses, created: dropCreated, held: dropHeld, reserved: dropReserved, customersWithTwo }, oversoldRows: Number(oversold) }, null, 2)}\n`,
    );
    console.log(`Wrote ${file}`);
    // speed depends on the machine; correctness does not
    const dropOk = dropHeldOk && customersWithTwo === 0 && dropErrors === 0 && dropOdd === 0;
    if (!sellOutOk || !dropOk || Number(oversold) !== 0 || serverErrors !== 0) process.exitCode = 1;
  } finally {
    db.close();
    server.stop();
    bare.stop();
    stopSeeds();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
