import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { eventsPage, holdStats } from "~/api/admin-contract.server";
import { call, setStock } from "../helpers/api";
import { testDatabaseUrl } from "../helpers/database";
import { noClientLimits, startServer, testSecrets, type RunningServer } from "../helpers/server";

// The audit trail (a page at a time, and as a streamed CSV) and the
// statistics, over HTTP, for operators only.

let server: RunningServer;
const url = testDatabaseUrl();
const admin = { Authorization: `Bearer ${testSecrets.ADMIN_TOKEN}`, "X-Operator": "Meera" };
type AuditEvent = {
  id: number;
  type: string;
  createdAt: string;
  reservationId: string | null;
  productId: string | null;
  warehouseId: string | null;
  payload: Record<string, unknown>;
};
type Page = { events: AuditEvent[]; nextCursor: string | null };

beforeAll(async () => {
  server = await startServer({ DATABASE_URL: url, ...noClientLimits });
  await setStock(url, "saffron-notebook", "del-01", 50);
  await setStock(url, "saffron-notebook", "mum-01", 50);
  await setStock(url, "slate-kettle", "mum-01", 50);
});
afterAll(async () => {
  await server.stop();
});

const events = async (query: string) => {
  const answer = await call(server.url, `/api/admin/events${query}`, { headers: admin });
  expect(answer.status, answer.text).toBe(200);
  return eventsPage.parse(answer.body) as Page;
};
const hold = (productId: string, warehouseId: string) =>
  call(server.url, "/api/reservations", { method: "POST", body: { productId, warehouseId, quantity: 1 } });
const restock = (body: Record<string, unknown>) =>
  call(server.url, "/api/admin/stock", { method: "POST", headers: admin, body });
const csv = (query = "", headers: Record<string, string> = admin) =>
  fetch(`${server.url}/api/admin/events.csv${query}`, { headers });

// RFC 4180, strictly: every record ends in CRLF, a line break or quote only
// inside a quoted field, a quote in one doubled. (It throws rather than
// calls expect() for each character: an export of 5,000 rows is 1.4 MB.)
function parseCsv(text: string): string[][] {
  const malformed = (what: string, at: number) => {
    throw new Error(`not RFC 4180: ${what} at ${at}: ${JSON.stringify(text.slice(at - 20, at + 20))}`);
  };
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') field += text[++i];
      else quoted = false;
    } else if (c === '"') {
      if (field !== "") malformed("a quote inside an unquoted field", i);
      quoted = true;
    } else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      records.push([...record, field]);
      record = [];
      field = "";
      i++;
    } else {
      if (c === "\r" || c === "\n") malformed("a line break outside quotes", i);
      field += c;
    }
  }
  expect(quoted, "a quoted field left open").toBe(false);
  expect([...record, field], "the last record ends in CRLF").toEqual([""]);
  return records;
}

// the CSV's records as objects by the header's names, every record as wide
function csvObjects(text: string): Record<string, string>[] {
  const [header, ...records] = parseCsv(text);
  expect(records.filter((r) => r.length !== header!.length)).toEqual([]);
  return records.map((r) => Object.fromEntries(header!.map((name, i) => [name, r[i]!])));
}

describe("who may read the audit trail and the statistics", () => {
  test("no token or a wrong one is 401; a POST is 405", async () => {
    for (const path of ["/api/admin/events", "/api/admin/events.csv", "/api/admin/stats?window=1h"]) {
      expect((await call(server.url, path)).status, path).toBe(401);
      expect((await call(server.url, path, { headers: { Authorization: "Bearer wrong-token-xyz" } })).status).toBe(401);
      expect((await call(server.url, path, { method: "POST", headers: admin, body: {} })).status, path).toBe(405);
    }
  });
});

describe("GET /api/admin/events", () => {
  test("newest first, filtered by product, warehouse, type and time, a page at a time", async () => {
    // the seed's opening entries come before
    const start = new Date().toISOString();
    const notebooks = `productId=saffron-notebook&from=${start}`;
    const noted = await restock({
      productId: "saffron-notebook",
      warehouseId: "del-01",
      delta: 5,
      reason: "received",
      note: "PO 7",
    });
    expect(noted.status).toBe(200);
    for (const [productId, warehouseId] of [
      ["saffron-notebook", "del-01"],
      ["saffron-notebook", "mum-01"],
      ["slate-kettle", "mum-01"],
      ["saffron-notebook", "del-01"],
    ] as const) {
      expect((await hold(productId, warehouseId)).status).toBe(201);
    }

    const all = (await events(`?${notebooks}&limit=500`)).events;
    expect(all.map((e) => e.id)).toEqual([...all.map((e) => e.id)].sort((a, b) => b - a));
    // three holds (created, and its row's stock_changed) and the restock
    // (stock_adjusted, stock_changed)
    expect(all.filter((e) => e.type === "reservation_created")).toHaveLength(3);
    expect(all.filter((e) => e.type === "stock_changed")).toHaveLength(4);
    expect(all.filter((e) => e.type === "stock_adjusted")).toEqual([
      expect.objectContaining({
        productId: "saffron-notebook",
        warehouseId: "del-01",
        payload: expect.objectContaining({ operator: "Meera", reason: "received", note: "PO 7" }),
      }),
    ]);
    // a hold's event matches through its lines
    for (const e of all) {
      const products = e.reservationId
        ? (e.payload.items as { productId: string }[]).map((i) => i.productId)
        : [e.productId];
      expect(products).toContain("saffron-notebook");
    }

    const here = (await events(`?${notebooks}&warehouseId=del-01&limit=500`)).events;
    expect(here.filter((e) => e.type === "reservation_created")).toHaveLength(2);
    expect(here.every((e) => (e.warehouseId ?? JSON.stringify(e.payload.items)).includes("del-01"))).toBe(true);
    const mumbai = (await events(`?warehouseId=mum-01&type=reservation_created&from=${start}`)).events;
    expect(mumbai).toHaveLength(2);

    const typed = (await events(`?${notebooks}&type=stock_adjusted,reservation_created`)).events;
    expect(typed.map((e) => e.type).sort()).toEqual([
      "reservation_created",
      "reservation_created",
      "reservation_created",
      "stock_adjusted",
    ]);

    // from inclusive, to exclusive
    const middle = all[Math.floor(all.length / 2)]!.createdAt;
    const since = (await events(`?productId=saffron-notebook&from=${middle}&limit=500`)).events;
    expect(since.map((e) => e.id)).toEqual(all.filter((e) => e.createdAt >= middle).map((e) => e.id));
    const until = (await events(`?${notebooks}&to=${encodeURIComponent(middle)}&limit=500`)).events;
    expect(until.map((e) => e.id)).toEqual(all.filter((e) => e.createdAt < middle).map((e) => e.id));
    const zoned = (await events(`?productId=saffron-notebook&from=2000-01-01T05:30:00%2B05:30`)).events;
    expect(zoned.length).toBeGreaterThan(0);

    const paged: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await events(`?${notebooks}&limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.events.length).toBeLessThanOrEqual(3);
      paged.push(...page.events.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    expect(paged).toEqual(all.map((e) => e.id));
  });

  test("a query it does not understand is 400, naming the parameter", async () => {
    for (const bad of [
      "colour=red",
      "limit=0",
      "limit=501",
      "cursor=x",
      "cursor=-1",
      "productId=a%22b",
      "type=Stock",
      "type=stock_changed,",
      "from=yesterday",
      "from=2026-01-15T10:00:00",
      "from=2026-01-15T10:00:00Z&to=2026-01-15T09:00:00Z",
    ]) {
      const answer = await call(server.url, `/api/admin/events?${bad}`, { headers: admin });
      expect(answer.status, bad).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: "validation_error" } });
      expect((await csv(`?${bad.replace(/(cursor|limit)=[^&]*/, "colour=red")}`)).status, bad).toBe(400);
    }
  });
});

describe("GET /api/admin/events.csv", () => {
  test("a note a spreadsheet would run as a formula is written as text", async () => {
    const note = '=HYPERLINK("http://evil.example","click")';
    const answer = await restock({
      productId: "slate-kettle",
      warehouseId: "mum-01",
      delta: 1,
      reason: "received",
      note,
    });
    expect(answer.status).toBe(200);
    const rows = csvObjects(await (await csv("?productId=slate-kettle&type=stock_adjusted")).text());
    expect(rows.map((r) => r.note)).toContain(`'${note}`);
    expect(rows.some((r) => r.note?.startsWith("="))).toBe(false);
  });

  test("a download, every field as recorded: notes with commas, quotes and line breaks", async () => {
    const note = 'Box 3, "fragile"\r\nsecond line, with a comma\nand a bare newline';
    const answer = await restock({
      productId: "slate-kettle",
      warehouseId: "mum-01",
      delta: 7,
      reason: "returned",
      note,
    });
    expect(answer.status).toBe(200);
    const { before, after } = (answer.body as { stock: Record<"before" | "after", Record<string, number>> }).stock;

    const response = await csv("?productId=slate-kettle&type=stock_adjusted,stock_changed");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toMatch(
      /^attachment; filename="holdfast-events-\d{8}T\d{6}Z\.csv"$/,
    );
    expect(response.headers.get("cache-control")).toBe("no-store");
    const text = await response.text();
    expect(text.split("\r\n")[0]).toBe(
      "id,time,type,product,warehouse,reservation,operator,reason,note," +
        "before_total,before_reserved,before_sold,after_total,after_reserved,after_sold,payload",
    );

    const rows = csvObjects(text);
    const listed = (await events("?productId=slate-kettle&type=stock_adjusted,stock_changed&limit=500")).events;
    expect(rows.map((r) => Number(r.id))).toEqual(listed.map((e) => e.id));
    const adjusted = rows.find((r) => r.note === note)!;
    expect(adjusted).toEqual({
      id: String(listed.find((e) => e.type === "stock_adjusted")!.id),
      time: listed.find((e) => e.type === "stock_adjusted")!.createdAt,
      type: "stock_adjusted",
      product: "slate-kettle",
      warehouse: "mum-01",
      reservation: "",
      operator: "Meera",
      reason: "returned",
      note,
      before_total: String(before.total),
      before_reserved: String(before.reserved),
      before_sold: String(before.sold),
      after_total: String(after.total),
      after_reserved: String(after.reserved),
      after_sold: String(after.sold),
      payload: expect.any(String),
    });
    expect(JSON.parse(adjusted.payload!)).toMatchObject({ note, operator: "Meera", before, after });
    // a stock_changed entry is the row's counts after the change
    const changed = rows.find((r) => r.type === "stock_changed" && Number(r.id) > Number(adjusted.id))!;
    expect(changed).toMatchObject({ before_total: "", after_total: String(after.total), operator: "" });

    // a hold's row is its lines'
    const held = await hold("slate-kettle", "mum-01");
    const holdId = (held.body as { reservation: { id: string } }).reservation.id;
    const [created] = csvObjects(await (await csv("?productId=slate-kettle&type=reservation_created")).text());
    expect(created).toMatchObject({ reservation: holdId, product: "slate-kettle", warehouse: "mum-01" });
  });

  test("5,000 events arrive complete, streamed a page at a time", async () => {
    const client = createClient({ url, timeout: 5_000 });
    const inserted = 5_000;
    await client.batch(
      [
        {
          sql: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :count)
                INSERT INTO events (type, product_id, warehouse_id, payload, created_at)
                SELECT 'stock_adjusted', 'bulk-product', 'blr-01',
                       json_object('reason', 'correction', 'operator', 'bulk', 'note', 'line ' || i || ', "q"' || char(10) || 'x',
                                   'before', NULL, 'after', json_object('total', i, 'reserved', 0, 'sold', 0)),
                       :now
                FROM n`,
          args: { count: inserted, now: Date.now() },
        },
      ],
      "write",
    );
    const total = Number((await client.execute("SELECT count(*) AS n FROM events")).rows[0]!.n);
    client.close();

    const response = await csv("?productId=bulk-product");
    expect(response.status).toBe(200);
    // streamed: its length is not known before it ends
    expect(response.headers.get("content-length")).toBeNull();
    const rows = csvObjects(await response.text());
    expect(rows).toHaveLength(inserted);
    expect(rows.map((r) => Number(r.after_total))).toEqual(Array.from({ length: inserted }, (_, i) => inserted - i));
    expect(rows[0]!.note).toBe(`line ${inserted}, "q"\nx`);

    // and the whole trail: at least every event there was when it started
    const everything = csvObjects(await (await csv()).text());
    expect(everything.length).toBeGreaterThanOrEqual(total);
    expect(new Set(everything.map((r) => r.id)).size).toBe(everything.length);
  });

  test("a client that leaves halfway leaves the server well", async () => {
    const controller = new AbortController();
    const response = await fetch(`${server.url}/api/admin/events.csv`, { headers: admin, signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await reader.read().catch(() => {});
    expect((await csv("?type=stock_adjusted")).status).toBe(200);
    expect(server.logs()).not.toMatch(/export failed|request failed/);
  });
});

describe("GET /api/admin/stats", () => {
  test("the hour by the minute, the day by the quarter hour, held now and low now", async () => {
    const before = holdStats.parse((await call(server.url, "/api/admin/stats", { headers: admin })).body);
    expect(before.window).toBe("1h");
    expect((await hold("saffron-notebook", "mum-01")).status).toBe(201);

    const hour = holdStats.parse((await call(server.url, "/api/admin/stats?window=1h", { headers: admin })).body);
    expect(hour.series).toHaveLength(60);
    expect(hour.bucketSeconds).toBe(60);
    expect(hour.holds.created).toBe(before.holds.created + 1);
    expect(hour.pending.holds).toBe(before.pending.holds + 1);
    expect(hour.pending.units).toBe(before.pending.units + 1);
    expect(hour.series.reduce((sum, b) => sum + b.created, 0)).toBe(hour.holds.created);
    expect(Date.parse(hour.series[0]!.start)).toBe(Date.parse(hour.from));
    const day = holdStats.parse((await call(server.url, "/api/admin/stats?window=24h", { headers: admin })).body);
    expect(day.series).toHaveLength(96);
    expect(day.bucketSeconds).toBe(900);
    expect(day.lowStock.every((r) => r.available <= r.threshold)).toBe(true);

    for (const bad of ["window=7d", "window=", "colour=red"]) {
      expect((await call(server.url, `/api/admin/stats?${bad}`, { headers: admin })).status, bad).toBe(400);
    }
  });

  test("the routes are in /api/openapi.json under the admin tag, with its security scheme", async () => {
    const doc = (await call(server.url, "/api/openapi.json")).body as {
      paths: Record<string, { get?: { tags?: string[]; security?: unknown[] } }>;
    };
    for (const path of ["/api/admin/events", "/api/admin/events.csv", "/api/admin/stats"]) {
      expect(doc.paths[path]?.get, path).toMatchObject({ tags: ["admin"], security: [{ adminToken: [] }] });
    }
  });
});
