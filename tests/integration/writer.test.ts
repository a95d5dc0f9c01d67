import { LibsqlError } from "@libsql/client";
import { describe, expect, test } from "vitest";
import { holdPolicy } from "~/models/reservation";
import { reserve } from "~/models/reservation.server";
import { createDatabase, type DatabaseConfig } from "~/utils/db.server";
import { isBusyError } from "~/utils/busy-retry.js";
import { migrateDatabase } from "../../db/migrate";
import { addProduct, freshDatabase, rawCounts, testDatabaseUrl } from "../helpers/database";
import { runScript } from "../helpers/processes";

// A database with one product, whose write lock another process then holds
// for `holdMs`.
async function lockedByAnotherProcess(holdMs: number, config: Partial<DatabaseConfig>) {
  const url = testDatabaseUrl();
  const database = createDatabase({ url, ...config });
  await migrateDatabase(database);
  await addProduct(database, { id: "lamp", rows: { "blr-01": 100 } });
  const locker = runScript("tests/helpers/lock-holder.ts", [url, String(holdMs)]);
  await locker.firstLine;
  return { database, locker };
}

describe("the one writer per process", () => {
  test("a failing command never fails the commands queued beside it", async () => {
    const database = await freshDatabase();
    await addProduct(database, { id: "lamp", rows: { "blr-01": 100 } });
    const good = () =>
      reserve({
        database,
        items: [{ productId: "lamp", warehouseId: "blr-01", quantity: 1 }],
        holder: { sessionHash: null },
        policy: holdPolicy(600),
        now: 1,
      });
    const bad = () => database.write([{ sql: "UPDATE inventory SET reserved = total + 1", args: {} }]);

    const results = await Promise.allSettled([good(), bad(), good(), good(), bad(), good()]);

    expect(results.map((r) => r.status)).toEqual([
      "fulfilled",
      "rejected",
      "fulfilled",
      "fulfilled",
      "rejected",
      "fulfilled",
    ]);
    expect((await rawCounts(database))[0]?.reserved).toBe(4);
    await database.close();
  });

  test("close waits for queued writes instead of dropping them", async () => {
    const database = await freshDatabase();
    await addProduct(database, { id: "lamp", rows: { "blr-01": 100 } });
    const writes = Array.from({ length: 30 }, () =>
      database.write([{ sql: "UPDATE inventory SET reserved = reserved + 1", args: {} }]),
    );

    await database.close();

    await expect(Promise.all(writes)).resolves.toHaveLength(30);
    await expect(database.write([{ sql: "SELECT 1", args: {} }])).rejects.toThrow(/closed/);
  });

  test("a write waiting out another process's lock never stops this process's event loop", async () => {
    // a long busy timeout: on the main thread, that wait would freeze
    // everything else in the process (requests, timers, streams) for as long
    const { database, locker } = await lockedByAnotherProcess(600, { busyTimeoutMs: 2_000 });

    const started = Date.now();
    const timerFiredAfter = new Promise<number>((resolve) => setTimeout(() => resolve(Date.now() - started), 20));
    const writtenAfter = database
      .write([{ sql: "UPDATE inventory SET reserved = reserved + 1", args: {} }])
      .then(() => Date.now() - started);

    expect(await writtenAfter).toBeGreaterThan(300);
    // the timer fired on time, while the write was still waiting
    expect(await timerFiredAfter).toBeLessThan(150);
    await locker.output;
    expect((await rawCounts(database))[0]?.reserved).toBe(1);
    await database.close();
  });

  test("without a retry budget, another process's lock fails the write with SQLITE_BUSY", async () => {
    const { database, locker } = await lockedByAnotherProcess(400, { busyRetryBudgetMs: 0 });

    const failure = await database
      .write([{ sql: "UPDATE inventory SET reserved = reserved + 1", args: {} }])
      .catch((error: unknown) => error);
    await locker.output;

    // the writer thread's error arrives as the LibsqlError it was
    expect(failure).toBeInstanceOf(LibsqlError);
    expect(isBusyError(failure)).toBe(true);
    expect((await rawCounts(database))[0]?.reserved).toBe(0);
    await database.close();
  });
});

