// In-process throughput of `reserve`: no HTTP, just the domain command and
// the one writer, on a fresh embedded database file.
//   npm run bench:core
// BENCH_SCENARIOS=hot,spread and BENCH_IN_FLIGHT=1,32,128,1024 pick cells (all by
// default); BENCH_SECONDS sets how long each cell is timed (10), after
// BENCH_WARMUP_SECONDS (2) of the same load on the same database, untimed;
// BENCH_GROUP the write queue's largest group (the server's default
// otherwise).
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createDatabase, type Database } from "../app/infra/db/db.server";
import { holdPolicy } from "../app/models/reservation";
import { clientKeys, reserve } from "../app/models/reservation.server";
import { migrateDatabase } from "../db/migrate";
import { seedIfEmpty } from "../db/seed";

const requester = clientKeys({ sessionHash: null, address: "127.0.0.1" });

// Timed, not counted: a cell of a fixed number of holds lasted under a
// second at 1,024 in flight, too short to settle (the JIT, the first WAL
// checkpoints), and half a minute at one in flight.
function seconds(name: string, fallback: number, least: number) {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < least) throw new Error(`${name}: a number of seconds, at least ${least}`);
  return value;
}
const SECONDS = seconds("BENCH_SECONDS", 10, 0.1);
const WARMUP_SECONDS = seconds("BENCH_WARMUP_SECONDS", 2, 0);
const policy = holdPolicy(600);
const list = (value: string | undefined) =>
  value
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
const scenarios = (list(process.env.BENCH_SCENARIOS) ?? ["hot", "spread"]).map((s) => {
  if (s !== "hot" && s !== "spread") throw new Error(`BENCH_SCENARIOS: unknown scenario ${s}`);
  return s;
});
const inFlights = (list(process.env.BENCH_IN_FLIGHT) ?? ["1", "32", "128", "1024"]).map((n) => {
  if (!/^[1-9]\d*$/.test(n)) throw new Error(`BENCH_IN_FLIGHT: ${n} is not a whole number of holds, 1 or more`);
  return Number(n);
});

async function run(database: Database, inFlight: number, pick: () => { productId: string; warehouseId: string }) {
  let timing = false;
  let stopping = false;
  let made = 0;
  let refused = 0;
  // the first error stops every lane, and the cell fails with it
  const failures: unknown[] = [];
  async function lane() {
    try {
      while (!stopping) {
        const outcome = await reserve({
          database,
          items: [{ ...pick(), quantity: 1 }],
          holder: { sessionHash: null },
          // the core's own speed: one anonymous client, no fair-use caps
          requester,
          fairUse: { holdsPerClient: 0, unitsPerClient: 0, unitsPerAddress: 0, holdsPerCustomer: 0 },
          policy,
          now: Date.now(),
        });
        // a hold counts when it is made inside the timed window
        if (timing) {
          if (outcome.ok) made += 1;
          else refused += 1;
        }
      }
    } catch (error) {
      failures.push(error);
      stopping = true;
    }
  }
  const lanes = Promise.all(Array.from({ length: inFlight }, lane));
  await sleep(WARMUP_SECONDS * 1000);
  timing = true;
  const started = performance.now();
  await sleep(SECONDS * 1000);
  timing = false;
  const timed = (performance.now() - started) / 1000;
  stopping = true;
  await lanes;
  if (failures.length > 0) throw failures[0];
  return { holdsPerSecond: Math.round(made / timed), made, refused };
}

async function fresh() {
  const dir = mkdtempSync(path.join(tmpdir(), "holdfast-bench-"));
  const database = createDatabase({
    url: `file:${path.join(dir, "bench.db")}`,
    maxGroupSize: process.env.BENCH_GROUP ? Number(process.env.BENCH_GROUP) : undefined,
  });
  await migrateDatabase(database);
  await seedIfEmpty(database, Date.now());
  await database.write({
    hotRow: {
      sql: "UPDATE inventory SET total = 100000000, sold = 0 WHERE product_id = 'aurora-headphones' AND warehouse_id = 'blr-01'",
      args: {},
    },
    everyRow: { sql: "UPDATE inventory SET total = total + 100000000", args: {} },
  });
  return { database, dir };
}

const rows = await (async () => {
  const { database, dir } = await fresh();
  const result = await database.reader.execute("SELECT product_id, warehouse_id FROM inventory");
  await database.close();
  rmSync(dir, { recursive: true });
  return result.rows.map((r) => ({ productId: String(r.product_id), warehouseId: String(r.warehouse_id) }));
})();

console.log(
  `reserve, in-process, ${SECONDS}-s cells after ${WARMUP_SECONDS} s of warm-up · ${cpus()[0]?.model} × ${cpus().length} · Node ${process.version}`,
);
for (const scenario of scenarios) {
  for (const inFlight of inFlights) {
    const { database, dir } = await fresh();
    const pick =
      scenario === "hot"
        ? () => ({ productId: "aurora-headphones", warehouseId: "blr-01" })
        : () => rows[Math.floor(Math.random() * rows.length)]!;
    const result = await run(database, inFlight, pick).finally(async () => {
      await database.close();
      rmSync(dir, { recursive: true });
    });
    console.log(
      `${scenario.padEnd(6)} in flight ${String(inFlight).padStart(4)}: ${result.holdsPerSecond} holds/s (${result.made} held, ${result.refused} refused)`,
    );
  }
}
