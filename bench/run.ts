// npm run bench: builds the production server, starts it on a fresh embedded
// database, drives it over HTTP from a separate process and prints a table;
// the figures go to bench/results/<date>.json.
import { execFileSync, execSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { createClient } from "@libsql/client";

const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const HOT: [string, string] = ["aurora-headphones", "blr-01"];
const SELL_OUT: [string, string] = ["zenith-linen-cushion", "mum-01"];

type Result = {
  requests: { average: number };
  latency: { p50: number; p99: number };
  "2xx": number;
  non2xx: number;
  "5xx": number;
  statusCodeStats: Record<string, { count: number }>;
};

function startServer(databaseUrl: string): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ["build/server.js"], {
    env: {
      ...process.env,
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
      METRICS_PORT: "0",
    },
    // request logs would cost the server as much as the work measured
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        child.stdout.removeAllListeners("data");
        child.stdout.resume();
        resolve({ url: match[1]!.replace("localhost", "127.0.0.1"), stop: () => child.kill("SIGTERM") });
      }
    });
    child.on("exit", (code) => reject(new Error(`server exited (${code}):\n${output}`)));
  });
}

function load(scenario: Record<string, unknown>): Result {
  const out = execFileSync(process.execPath, ["bench/load.mjs", JSON.stringify(scenario)], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out.toString()) as Result;
}

async function main() {
  console.log("Building the production server…");
  execSync("npm run build", { stdio: "ignore" });
  const dir = mkdtempSync(path.join(tmpdir(), "holdfast-bench-"));
  const databaseUrl = `file:${path.join(dir, "bench.db")}`;
  const server = await startServer(databaseUrl);
  const db = createClient({ url: databaseUrl, timeout: 5_000 });
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
    const rows = (await db.execute("SELECT product_id, warehouse_id FROM inventory WHERE total > 1000")).rows.map(
      (r) => [String(r.product_id), String(r.warehouse_id)],
    );

    const runs: { name: string; connections: number; result: Result }[] = [];
    const run = (name: string, connections: number, extra: Record<string, unknown>) => {
      process.stdout.write(`  ${name} at ${connections} connections… `);
      const result = load({ url: server.url, connections, duration: DURATION, ...extra });
      runs.push({ name, connections, result });
      console.log(`${Math.round(result.requests.average)}/s`);
      return result;
    };

    console.log(`Driving ${server.url} for ${DURATION} s per run:`);
    run("warm-up", 32, { kind: "hot", row: HOT, duration: 3 });
    runs.pop();
    for (const c of [32, 128]) run("baseline GET /api/health", c, { kind: "health" });
    for (const c of [1, 32, 128]) run("hot: 1 unit of one row", c, { kind: "hot", row: HOT });
    for (const c of [32, 128]) run("spread: random rows", c, { kind: "spread", rows });
    const sellOut = run("sell-out: 1,000 for 100 units", 100, { kind: "hot", row: SELL_OUT, amount: 1000 });

    const [held] = (
      await db.execute({
        sql: "SELECT reserved, sold, total FROM inventory WHERE product_id = ? AND warehouse_id = ?",
        args: SELL_OUT,
      })
    ).rows;
    const oversold = (
      await db.execute(`SELECT count(*) AS n FROM inventory i WHERE i.reserved + i.sold > i.total
        OR i.reserved <> (SELECT coalesce(sum(ri.quantity), 0) FROM reservation_items ri
                          JOIN reservations r ON r.id = ri.reservation_id
                          WHERE r.status = 'pending' AND ri.product_id = i.product_id AND ri.warehouse_id = i.warehouse_id)`)
    ).rows[0]?.n;

    const machine = `${cpus()[0]?.model ?? "unknown CPU"} × ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
    const baseline = runs.find((r) => r.name.startsWith("baseline") && r.connections === 32)!.result.requests.average;
    const table = runs.map((r) => ({
      scenario: r.name,
      connections: r.connections,
      "req/s": Math.round(r.result.requests.average),
      "p50 ms": r.result.latency.p50,
      "p99 ms": r.result.latency.p99,
      "2xx": r.result["2xx"],
      "non-2xx": r.result.non2xx,
      "5xx": r.result["5xx"],
      "vs baseline": r.name.startsWith("baseline")
        ? ""
        : `${Math.round((r.result.requests.average / baseline) * 100)}%`,
    }));
    console.log(`\n${new Date().toISOString()} · ${machine}`);
    console.table(table);
    const sellOutOk = sellOut["2xx"] === 100 && Number(held?.reserved) === 100;
    const serverErrors = runs.reduce((s, r) => s + r.result["5xx"], 0);
    const hot = (connections: number) =>
      runs.find((r) => r.name.startsWith("hot") && r.connections === connections)!.result;
    // the targets, for a 2-core machine that also runs the load
    const targets = [
      {
        target: "hot, 32 connections: ≥ 2,000 holds/s",
        measured: `${Math.round(hot(32).requests.average)}/s`,
        met: hot(32).requests.average >= 2000,
      },
      {
        target: "hot, 32 connections: p99 < 25 ms",
        measured: `${hot(32).latency.p99} ms`,
        met: hot(32).latency.p99 < 25,
      },
      {
        target: "hot, 128 connections: p99 < 50 ms",
        measured: `${hot(128).latency.p99} ms`,
        met: hot(128).latency.p99 < 50,
      },
      { target: "no 5xx in any run", measured: String(serverErrors), met: serverErrors === 0 },
      {
        target: "sell-out: exactly 100 of 1,000 succeed",
        measured: `${sellOut["2xx"]} (reserved ${held?.reserved})`,
        met: sellOutOk,
      },
      { target: "no row oversold or out of step", measured: String(oversold), met: Number(oversold) === 0 },
    ];
    console.table(targets);

    mkdirSync("bench/results", { recursive: true });
    const file = `bench/results/${new Date().toISOString().slice(0, 10)}.json`;
    writeFileSync(
      file,
      `${JSON.stringify({ date: new Date().toISOString(), machine, durationSeconds: DURATION, table, targets, sellOut: { succeeded: sellOut["2xx"], units: 100, reserved: Number(held?.reserved) }, oversoldRows: Number(oversold) }, null, 2)}\n`,
    );
    console.log(`Wrote ${file}`);
    // speed depends on the machine; correctness does not
    if (!sellOutOk || Number(oversold) !== 0 || serverErrors !== 0) process.exitCode = 1;
  } finally {
    db.close();
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
