import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { createDatabase, type Database } from "~/infra/db/db.server";
import { checkConsistency, repairRow } from "~/models/consistency.server";
import { expireDue } from "~/models/expiry.server";
import { confirm, release } from "~/models/hold-changes.server";
import { addItems } from "~/models/hold-items.server";
import { hashSecret } from "~/models/holder.server";
import { releaseByOperator } from "~/models/operator-holds.server";
import { holdPolicy } from "~/models/reservation";
import { reserve } from "~/models/reservation.server";
import { restock } from "~/models/restock.server";
import { migrateDatabase } from "../../db/migrate";
import { seedIfEmpty } from "../../db/seed";
import { freshDatabase, pointersAndNewest, scratchDir, testDatabaseUrl, uncapped } from "../helpers/database";

// Every stock row points at its newest ledger entry (`ledger_event_id`,
// moved by every write that appends one, in the same transaction), which is
// what the consistency check reads; no index that a hold writes is keyed by
// row.

const policy = holdPolicy(600);

async function stockRows(database: Database) {
  const result = await database.reader.execute("SELECT product_id, warehouse_id FROM inventory WHERE total > 0");
  return result.rows.map((r) => ({ productId: String(r.product_id), warehouseId: String(r.warehouse_id) }));
}

// 300 holds in flight at once, one unit each on the stocked rows in turn.
async function holdsOnEveryRow(database: Database, now: number) {
  const rows = await stockRows(database);
  const outcomes = await Promise.all(
    Array.from({ length: 300 }, (_, i) =>
      reserve({
        database,
        items: [{ ...rows[i % rows.length]!, quantity: 1 }],
        holder: { sessionHash: null },
        ...uncapped,
        policy,
        now,
      }),
    ),
  );
  return { rows, made: outcomes.filter((o) => o.ok).length };
}

describe("the row's ledger pointer", () => {
  test("holds on many rows in flight, then one expiry of them all: every row points at its newest entry", async () => {
    const database = await freshDatabase();
    const now = Date.now();
    await seedIfEmpty(database, now);

    const { rows, made } = await holdsOnEveryRow(database, now);
    // (a row with little stock, or a drop's product, refuses some)
    expect(made).toBeGreaterThan(200);
    // one write appends an entry for every row the expired holds were on
    expect(await expireDue({ database, now: now + 601_000 })).toBe(made);

    const pointers = await pointersAndNewest(database);
    expect(pointers.length).toBeGreaterThanOrEqual(rows.length);
    for (const p of pointers) expect(p.pointer, p.row).toBe(p.newest);
    expect((await checkConsistency({ database, now })).violations).toEqual([]);
    await database.close();
  });

  test("every kind of write that appends an entry moves the pointer: holds, payment, release, a change of lines, an operator's release, a restock, a repair, expiry", async () => {
    const database = await freshDatabase();
    await seedIfEmpty(database, 0);
    const sessionHash = hashSecret("browser-1");
    const holder = { tokenHash: null, sessionHash };
    const rows = await stockRows(database);
    const held: string[] = [];
    for (const row of rows) {
      if (held.length === 5) break;
      const outcome = await reserve({
        database,
        items: [{ ...row, quantity: 1 }],
        holder: { sessionHash },
        ...uncapped,
        policy,
        now: 1000,
      });
      if (outcome.ok) held.push(outcome.reservation.id);
    }
    expect(held).toHaveLength(5);
    const [paid, given, grown, stuck] = held as [string, string, string, string, string];
    const steps: [string, () => Promise<{ ok: boolean }>][] = [
      ["payment", () => confirm({ database, id: paid, holder, policy, now: 2000 })],
      ["release", () => release({ database, id: given, holder, policy, now: 2000 })],
      [
        "a change of lines",
        () =>
          addItems({
            database,
            id: grown,
            lines: [{ ...rows[rows.length - 1]!, quantity: 1 }],
            holder,
            fairUse: uncapped.fairUse,
            policy,
            now: 2000,
          }),
      ],
      [
        "an operator's release",
        () => releaseByOperator({ database, id: stuck, reason: "stuck", operator: "ops", policy, now: 2000 }),
      ],
      [
        "a restock",
        () =>
          restock({
            database,
            ...rows[0]!,
            change: { delta: 5 },
            reason: "received",
            note: null,
            operator: "ops",
            now: 2000,
          }),
      ],
      ["a repair", () => repairRow({ database, ...rows[1]!, operator: "ops", now: 2000 })],
      ["expiry", async () => ({ ok: (await expireDue({ database, now: 1000 + 601_000 })) > 0 })],
    ];
    for (const [name, step] of steps) {
      expect((await step()).ok, name).toBe(true);
      for (const p of await pointersAndNewest(database)) expect(p.pointer, `${name}: ${p.row}`).toBe(p.newest);
    }
    expect((await checkConsistency({ database, now: 1000 + 601_000 })).violations).toEqual([]);
    await database.close();
  });

  test("a database from before the pointer gets it when migrated, and its check stays clean", async () => {
    // the migrations as they stood before this one
    const before = path.join(scratchDir(), "migrations");
    mkdirSync(path.join(before, "meta"), { recursive: true });
    const journal = JSON.parse(readFileSync("db/migrations/meta/_journal.json", "utf8")) as {
      entries: { tag: string }[];
    };
    const head = journal.entries.findIndex((e) => e.tag.endsWith("_ledger_head"));
    expect(head).toBeGreaterThan(0);
    const older = journal.entries.slice(0, head);
    writeFileSync(path.join(before, "meta/_journal.json"), JSON.stringify({ ...journal, entries: older }));
    for (const file of readdirSync("db/migrations").filter((f) => older.some((e) => f === `${e.tag}.sql`))) {
      cpSync(path.join("db/migrations", file), path.join(before, file));
    }

    // Today's code writes the pointer, so the old database's shop and holds
    // are made in a current one and copied over, column by column, into
    // the tables the old migrations made.
    const now = Date.now();
    const sourceUrl = testDatabaseUrl();
    const source = createDatabase({ url: sourceUrl });
    await migrateDatabase(source);
    await seedIfEmpty(source, now);
    await holdsOnEveryRow(source, now);
    await source.close();

    const url = testDatabaseUrl();
    const old = createDatabase({ url });
    await migrateDatabase(old, before);
    const columns = await old.reader.execute("SELECT name FROM pragma_table_info('inventory')");
    expect(columns.rows.map((r) => r.name)).not.toContain("ledger_event_id");
    const tables = await old.reader.execute(
      "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%migrations'",
    );
    // copied whole, so in any order
    await old.reader.execute("PRAGMA foreign_keys = OFF");
    await old.reader.execute({ sql: "ATTACH DATABASE ? AS source", args: [sourceUrl.slice("file:".length)] });
    for (const { name } of tables.rows) {
      const names = await old.reader.execute({ sql: "SELECT name FROM pragma_table_info(?)", args: [String(name)] });
      const list = names.rows.map((c) => `"${String(c.name)}"`).join(", ");
      await old.reader.execute(
        `INSERT INTO main."${String(name)}" (${list}) SELECT ${list} FROM source."${String(name)}"`,
      );
    }
    await old.reader.execute("DETACH DATABASE source");
    await old.reader.execute("PRAGMA foreign_keys = ON");
    const copied = await old.reader.execute("SELECT count(*) AS n FROM reservations");
    expect(Number(copied.rows[0]?.n)).toBeGreaterThan(200);
    await old.close();

    const migrated = createDatabase({ url });
    await migrateDatabase(migrated);
    for (const p of await pointersAndNewest(migrated)) expect(p.pointer, p.row).toBe(p.newest);
    // the writes move the pointers themselves now: the trigger that once did is gone
    const triggers = await migrated.reader.execute("SELECT name FROM sqlite_schema WHERE type = 'trigger'");
    expect(triggers.rows).toEqual([]);
    await holdsOnEveryRow(migrated, now + 1);
    for (const p of await pointersAndNewest(migrated)) expect(p.pointer, p.row).toBe(p.newest);
    expect((await checkConsistency({ database: migrated, now })).violations).toEqual([]);
    await migrated.close();
  });

  test("no index a hold writes to is keyed by row: only the stock adjustments' partial one", async () => {
    const database = await freshDatabase();
    const keyedByRow: { index: string; partial: boolean }[] = [];
    for (const table of ["events", "reservation_items", "reservations"]) {
      const indexes = await database.reader.execute(`SELECT name, partial FROM pragma_index_list('${table}')`);
      for (const index of indexes.rows) {
        const first = await database.reader.execute({
          sql: "SELECT name FROM pragma_index_info(?) WHERE seqno = 0",
          args: [String(index.name)],
        });
        if (first.rows[0]?.name === "product_id") {
          keyedByRow.push({ index: String(index.name), partial: Number(index.partial) === 1 });
        }
      }
    }
    expect(keyedByRow).toEqual([{ index: "events_row_adjustments", partial: true }]);
    await database.close();
  });

  test("a stock event, which has no hold, adds no entry to the index of a hold's events", async () => {
    const database = await freshDatabase();
    await seedIfEmpty(database, 0);
    const rows = await database.reader.execute("SELECT product_id, warehouse_id FROM inventory LIMIT 3");
    const held = await reserve({
      database,
      items: rows.rows.map((r) => ({
        productId: String(r.product_id),
        warehouseId: String(r.warehouse_id),
        quantity: 1,
      })),
      holder: { sessionHash: null },
      ...uncapped,
      policy,
      now: 1000,
    });
    expect(held.ok).toBe(true);
    const count = async (sql: string) => Number((await database.reader.execute(sql)).rows[0]?.n);
    expect(await count("SELECT count(*) AS n FROM events WHERE reservation_id IS NULL")).toBeGreaterThan(3);
    const holdEvents = await count("SELECT count(*) AS n FROM events WHERE reservation_id IS NOT NULL");
    expect(holdEvents).toBe(1);
    // the index's own entries, counted on its pages
    const entries = await count(
      "SELECT sum(ncell) AS n FROM dbstat WHERE name = 'events_reservation' AND pagetype = 'leaf'",
    );
    expect(entries).toBe(holdEvents);
    await database.close();
  });
});
