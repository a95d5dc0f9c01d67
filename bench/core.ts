// In-process throughput of `reserve`: no HTTP, just the domain command and
// the one writer, on a fresh embedded database file.
//   npm run bench:core
// BENCH_SCENARIOS=hot,spread and BENCH_IN_FLIGHT=1,32,128,1024 pick cells (all by
// default); BENCH_HOLDS sets the holds per cell, BENCH_GROUP the write
// queue's largest group (the server's default otherwise).
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { createDatabase, type Database } from "../app/infra/db/db.server";
import { holdPolicy } from "../app/models/reservation";
import { clientKeys, reserve } from "../app/models/reservation.server";
import { migrateDatabase } from "../db/migrate";
import { seedIfEmpty } from "../db/seed";

const requester = clientKeys({ sessionHash: null, address: "127.0.0.1" });

const HOLDS = Number(process.env.BENCH_HOLDS ?? 20_000);
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
const inFlights = (list(process.env.BENCH_IN_FLIGHT) ?? ["1", "32", "128", "1024"]).map(Number);

async function run(database: Database, inFlight: number, pick: () => { productId: string; warehouseId: string }) {
  let issued = 0;
  let ok = 0;
  const started = performance.now();
  async function lane() {
    while (issued < HOLDS) {
      issued += 1;
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
      if (outcome.ok) ok += 1;
    }
  }
  await Promise.all(Array.from({ length: inFlight }, lane));
  const seconds = (performance.now() - started) / 1000;
  return { holdsPerSecond: Math.round(HOLDS / seconds), ok };
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
      sql: "UPDATE inventory SET total = 1000000, sold = 0 WHERE product_id = 'aurora-headphones' AND warehouse_id = 'blr-01'",
      args: {},
    },
    everyRow: { sql: "UPDATE inventory SET total = total + 1000000", args: {} },
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
  `reserve, in-process, ${HOLDS} holds per run · ${cpus()[0]?.model} × ${cpus().length} · Node ${process.version}`,
);
for (const scenario of scenarios) {
  for (const inFlight of inFlights) {
    const { database, dir } = await fresh();
    const pick =
      scenario === "hot"
        ? () => ({ productId: "aurora-headphones", warehouseId: "blr-01" })
        : () => rows[Math.floor(Math.random() * rows.length)]!;
    const result = await run(database, inFlight, pick);
    await database.close();
    rmSync(dir, { recursive: true });
    console.log(
      `${scenario.padEnd(6)} in flight ${String(inFlight).padStart(4)}: ${result.holdsPerSecond} holds/s (${result.ok} held)`,
    );
  }
}
