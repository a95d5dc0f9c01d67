import { LibsqlError, type InStatement, type ResultSet } from "@libsql/client";
import { describe, expect, test } from "vitest";
import { isBusyError } from "~/infra/db/busy-retry.js";
import { startWriterThread } from "~/infra/db/db-writer.server";
import { createDatabase, type Database, type DatabaseConfig } from "~/infra/db/db.server";
import { createWriteQueue, plainStatements, type WriteKind } from "~/infra/db/write-queue.server";
import { holdPolicy } from "~/models/reservation";
import { reserve } from "~/models/reservation.server";
import { migrateDatabase } from "../../db/migrate";
import { addProduct, freshDatabase, rawCounts, testDatabaseUrl, uncapped } from "../helpers/database";
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

// One unit of the lamp, as an uncapped anonymous caller.
const holdALamp = (database: Database) =>
  reserve({
    database,
    items: [{ productId: "lamp", warehouseId: "blr-01", quantity: 1 }],
    holder: { sessionHash: null },
    ...uncapped,
    policy: holdPolicy(600),
    now: 1,
  });

// A write that fails with an error (a CHECK), not a refusal: it rolls back
// the group it is in.
const breakTheRow = (database: Database) =>
  database.write({ statement: { sql: "UPDATE inventory SET reserved = total + 1", args: {} } });

// A write queue of groups of at most four over a writer thread of its own,
// on a file with one table, `log`, that takes only numbers from 0 up. Each
// group the queue sends is recorded: its size, whether it went ahead of
// the one out, and how many were out with it.
async function loggingQueue() {
  const writer = startWriterThread({
    path: testDatabaseUrl().slice("file:".length),
    busyTimeoutMs: 50,
    busyRetryBudgetMs: 1_000,
  });
  await writer.batch(["CREATE TABLE log (n INTEGER NOT NULL CHECK (n >= 0))"], false);
  const sent: { statements: number; ahead: boolean; out: number }[] = [];
  let out = 0;
  const queue = createWriteQueue({
    maxGroupSize: 4,
    sendAhead: true,
    // not async: a batch that cannot be sent throws at once, as the
    // queue needs it to
    batch: (statements, ahead) => {
      const answered = writer.batch(statements, ahead);
      out += 1;
      sent.push({ statements: statements.length, ahead, out });
      return answered.finally(() => (out -= 1));
    },
  });
  const log = (n: number) => queue.submit(plainStatements, { log: { sql: "INSERT INTO log VALUES (?)", args: [n] } });
  const logged = async () => {
    const [results] = (await writer.batch(["SELECT n FROM log ORDER BY rowid"], false)) as ResultSet[];
    return results!.rows.map((row) => Number(row.n));
  };
  return { writer, queue, sent, log, logged };
}

// Writes of n to the log whose plan refuses a negative n: such a group
// fails before it reaches the writer, as a reserve plan does for a command
// whose names are not safe.
const planned: WriteKind<number, ResultSet> = {
  name: "planned log",
  plan(payloads) {
    if (payloads.some((n) => n < 0)) throw new Error("a negative number is not planned");
    const statements = Object.fromEntries(
      payloads.map((n, i) => [String(i), { sql: "INSERT INTO log VALUES (?)", args: [n] }]),
    );
    return { statements, outcomes: (results) => payloads.map((_, i) => results[String(i)]!) };
  },
};

describe("the one writer per process", () => {
  test("a failing command never fails the commands queued beside it", async () => {
    const database = await freshDatabase();
    await addProduct(database, { id: "lamp", rows: { "blr-01": 100 } });
    const good = () => holdALamp(database);
    const bad = () => breakTheRow(database);

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

  test("holds waiting together share one transaction, up to 256 of them", async () => {
    const database = await freshDatabase();
    await addProduct(database, { id: "lamp", rows: { "blr-01": 1_000 } });
    const groups: number[] = [];
    database.observeCommits((commit) => groups.push(commit.commands));
    const hold = () => holdALamp(database);

    const outcomes = await Promise.all(Array.from({ length: 600 }, hold));

    // however the first group falls (alone, or all that were waiting when
    // the queue took it), the rest wait and go 256 at a time
    expect(groups.reduce((sum, commands) => sum + commands, 0)).toBe(600);
    expect(Math.max(...groups)).toBe(256);
    expect(groups.filter((commands) => commands === 256).length).toBeGreaterThanOrEqual(2);
    // each caller has a hold of its own
    const ids = outcomes.flatMap((o) => (o.ok ? [o.reservation.id] : []));
    expect(new Set(ids).size).toBe(600);
    expect((await rawCounts(database))[0]?.reserved).toBe(600);
    await database.close();
  });

  test("one bad command in a big group costs a few transactions, not one for each command", async () => {
    const database = await freshDatabase();
    await addProduct(database, { id: "lamp", rows: { "blr-01": 1_000 } });
    const commits: { commands: number; ok: boolean }[] = [];
    database.observeCommits(({ commands, ok }) => commits.push({ commands, ok }));
    const good = () => holdALamp(database);
    const bad = () => breakTheRow(database);

    const results = await Promise.allSettled([
      ...Array.from({ length: 100 }, good),
      bad(),
      ...Array.from({ length: 99 }, good),
    ]);

    expect(results.map((r) => r.status).filter((s) => s === "rejected")).toHaveLength(1);
    expect(results[100]?.status).toBe("rejected");
    expect((await rawCounts(database))[0]?.reserved).toBe(199);
    // the group that failed, then its halves, each failing half halved
    // again down to the bad command alone: two transactions a halving,
    // where running each command alone again would take 200
    const failed = commits.filter((c) => !c.ok).map((c) => c.commands);
    expect(failed.at(-1)).toBe(1);
    for (let i = 1; i < failed.length; i++) {
      const half = failed[i - 1]! / 2;
      expect([Math.ceil(half), Math.floor(half)]).toContain(failed[i]);
    }
    expect(commits.length).toBeLessThanOrEqual(2 + 2 * Math.ceil(Math.log2(200)));
    await database.close();
  });

  test("with more waiting than a group takes, a second group goes to the writer while one is out", async () => {
    const { writer, queue, sent, log, logged } = await loggingQueue();

    await Promise.all(Array.from({ length: 21 }, (_, n) => log(n)));

    // the first write goes alone; the other twenty wait, and while a
    // group of four is out a full group waits, so one goes ahead of it
    expect(sent.some((s) => s.ahead && s.out === 2)).toBe(true);
    expect(Math.max(...sent.map((s) => s.out))).toBe(2);
    expect(Math.max(...sent.map((s) => s.statements))).toBe(4);
    // each write once, in the order queued
    expect(await logged()).toEqual(Array.from({ length: 21 }, (_, n) => n));
    await queue.drain();
    await writer.close();
  });

  test("a group sent ahead of one that fails waits for that one's commands, and keeps its place", async () => {
    const { writer, queue, sent, log, logged } = await loggingQueue();

    // 0 goes alone; then 1–4 (with -1, which the table refuses) and,
    // ahead of their commit, 5–8
    const results = await Promise.allSettled([0, 1, -1, 3, 4, 5, 6, 7, 8, 9, 10, 11].map(log));

    expect(sent.filter((s) => s.ahead).length).toBeGreaterThan(0);
    expect(results.map((r) => r.status === "fulfilled")).toEqual(
      [0, 1, -1, 3, 4, 5, 6, 7, 8, 9, 10, 11].map((n) => n >= 0),
    );
    // the writer skipped 5–8, sent while 1–4 were out, and they ran after
    // what the failed group ran again: nothing overtook a write queued
    // before it
    expect(await logged()).toEqual([0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    await queue.drain();
    await writer.close();
  });

  test.each([
    ["the group out", 2],
    ["the group that would have gone ahead", 6],
  ])("a group whose plan fails in %s is never overtaken", async (_, at) => {
    const { writer, queue, log, logged } = await loggingQueue();
    const numbers = Array.from({ length: 16 }, (_, n) => (n === at ? -n : n));

    // 0 goes alone, then groups of four: one of the first two has a number
    // the plan refuses, so it never reaches the writer, and no group may be
    // sent ahead of it (1–4 failing would have had 5–8 go ahead; 5–8
    // failing, 9–12)
    const results = await Promise.allSettled([log(0), ...numbers.slice(1).map((n) => queue.submit(planned, n))]);

    expect(results.map((r) => r.status === "fulfilled")).toEqual(numbers.map((n) => n >= 0));
    expect(await logged()).toEqual(numbers.filter((n) => n >= 0));
    await queue.drain();
    await writer.close();
  });

  test("a group whose statements cannot be sent to the writer is never overtaken", async () => {
    const { writer, queue, log, logged } = await loggingQueue();
    // a value no message can carry: the group of 1–4 with it fails as it
    // is sent, and 5–8 must not go ahead of it
    const uncopyable = () =>
      queue.submit(plainStatements, {
        log: { sql: "INSERT INTO log VALUES (?)", args: [Symbol("2") as unknown as number] },
      });

    const results = await Promise.allSettled([
      log(0),
      log(1),
      uncopyable(),
      ...Array.from({ length: 13 }, (_, i) => log(i + 3)),
    ]);

    expect(results.map((r) => r.status)).toEqual(
      Array.from({ length: 16 }, (_, n) => (n === 2 ? "rejected" : "fulfilled")),
    );
    expect(await logged()).toEqual(Array.from({ length: 16 }, (_, n) => n).filter((n) => n !== 2));
    await queue.drain();
    await writer.close();
  });

  test("close waits for queued writes instead of dropping them", async () => {
    const database = await freshDatabase();
    await addProduct(database, { id: "lamp", rows: { "blr-01": 100 } });
    const writes = Array.from({ length: 30 }, () =>
      database.write({ statement: { sql: "UPDATE inventory SET reserved = reserved + 1", args: {} } }),
    );

    await database.close();

    await expect(Promise.all(writes)).resolves.toHaveLength(30);
    await expect(database.write({ statement: { sql: "SELECT 1", args: {} } })).rejects.toThrow(/closed/);
  });

  test("a write waiting out another process's lock never stops this process's event loop", async () => {
    // a long busy timeout: on the main thread, that wait would freeze
    // everything else in the process (requests, timers, streams) for as long
    const { database, locker } = await lockedByAnotherProcess(600, { busyTimeoutMs: 2_000 });

    const started = Date.now();
    const timerFiredAfter = new Promise<number>((resolve) => setTimeout(() => resolve(Date.now() - started), 20));
    const writtenAfter = database
      .write({ statement: { sql: "UPDATE inventory SET reserved = reserved + 1", args: {} } })
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
      .write({ statement: { sql: "UPDATE inventory SET reserved = reserved + 1", args: {} } })
      .catch((error: unknown) => error);
    await locker.output;

    // the writer thread's error arrives as the LibsqlError it was
    expect(failure).toBeInstanceOf(LibsqlError);
    expect(isBusyError(failure)).toBe(true);
    expect((await rawCounts(database))[0]?.reserved).toBe(0);
    await database.close();
  });

  test("the writer thread answers exactly as @libsql/client itself does", async () => {
    // the same statements on two identical databases: once through the
    // writer thread, once through @libsql/client's own batch
    const [threaded, direct] = await Promise.all([freshDatabase(), freshDatabase()]);
    for (const database of [threaded, direct]) await addProduct(database, { id: "lamp", rows: { "blr-01": 5 } });
    const statements: InStatement[] = [
      // an insert first: a later statement's lastInsertRowid is its
      // connection's last insert, and the two connections' pasts differ
      { sql: "INSERT INTO warehouses (id, name, city) VALUES ('aaa-01', 'A', 'A')", args: {} },
      "UPDATE inventory SET updated_at = 7",
      { sql: "UPDATE inventory SET reserved = ? WHERE product_id = ?", args: [1, "lamp"] },
      {
        sql: "UPDATE inventory SET sold = $sold WHERE product_id = @id AND :yes",
        args: { $sold: 2, "@id": "lamp", ":yes": true },
      },
      { sql: "INSERT INTO warehouses (id, name, city) VALUES (?, ?, ?)", args: ["zzz-01", "Zed", "Zed"] },
      { sql: "SELECT product_id, reserved, sold, total - reserved - sold AS product_id FROM inventory", args: {} },
    ];
    const shape = (results: ResultSet[]) =>
      results.map((r) => ({
        columns: r.columns,
        rowsAffected: r.rowsAffected,
        lastInsertRowid: r.lastInsertRowid,
        byIndex: r.rows.map((row) => Array.from(row)),
        byName: r.rows.map((row) => ({ ...row })),
      }));

    // the same list, named by position, for the writer's named results
    const named = Object.fromEntries(statements.map((statement, i) => [`s${i}`, statement]));
    const viaThread = shape(Object.values(await threaded.write(named)));
    const viaClient = shape(await direct.reader.batch(statements, "write"));
    expect(viaThread).toEqual(viaClient);
    expect(viaThread[5]?.byIndex).toEqual([["lamp", 1, 2, 2]]);

    const oversell = [{ sql: "UPDATE inventory SET reserved = total + 1", args: {} }];
    const failure = (promise: Promise<unknown>) =>
      promise.then(
        () => null,
        (e: LibsqlError) => ({ code: e.code, extendedCode: e.extendedCode, rawCode: e.rawCode, message: e.message }),
      );
    const threadError = await failure(threaded.write({ oversell: oversell[0]! }));
    const clientError = await failure(direct.reader.batch(oversell, "write"));
    // (@libsql/client's batch says its code twice in the message; once is enough)
    expect({ ...threadError, message: undefined }).toEqual({ ...clientError, message: undefined });
    expect(threadError).toMatchObject({
      code: "SQLITE_CONSTRAINT",
      extendedCode: "SQLITE_CONSTRAINT_CHECK",
      message: "SQLITE_CONSTRAINT: CHECK constraint failed: inventory_no_oversell",
    });
    expect(clientError?.message).toContain("CHECK constraint failed: inventory_no_oversell");
    await Promise.all([threaded.close(), direct.close()]);
  });
});
