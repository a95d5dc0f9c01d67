import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createdReservation, reservation as reservationSchema } from "~/api/api-contract.server";
import { keyEventsPage } from "~/api/key-events-contract.server";
import { bearer, call, expireNow, sessionCookie, type ApiResponse } from "../helpers/api";
import { testDatabaseUrl } from "../helpers/database";
import { rawRequest } from "../helpers/raw-http";
import { noClientLimits, startServer, testSecrets, type RunningServer } from "../helpers/server";

// Changing a pending hold's lines over HTTP, against the production build:
// POST /api/reservations/:id/items adds lines all or nothing, PATCH sets one
// line's quantity. Each is one guarded write that never extends the hold.

let server: RunningServer;
const url = testDatabaseUrl();
const admin = { Authorization: `Bearer ${testSecrets.ADMIN_TOKEN}`, "X-Operator": "Nisha" };

beforeAll(async () => {
  server = await startServer({ DATABASE_URL: url, ...noClientLimits, HOLD_TTL_SECONDS: "600" });
});
afterAll(async () => {
  await server.stop();
});

// the products this file's tests count units of; the test that needs 20
// rows takes others
const usedHere = new Set([
  "aurora-headphones",
  "indigo-backpack",
  "saffron-fountain-pen",
  "lumen-fountain-pen",
  "nimbus-backpack",
  "nimbus-water-bottle",
  "teak-ceramic-vase",
  "teak-scented-candle",
  "cedar-headphones",
  "harbor-chefs-knife",
  "harbor-pour-over-set",
  "aurora-turntable",
  "cedar-earbuds",
  "teak-throw-blanket",
  "harbor-kettle",
  "basalt-wall-clock",
]);

type Line = { productId: string; warehouseId: string; quantity: number };
type Row = { warehouseId: string; total: number; reserved: number; sold: number; available: number };
type Held = { id: string; expiresAt: string; auth: Record<string, string> };

async function row(productId: string, warehouseId: string, base = server.url): Promise<Row> {
  const answer = await call(base, `/api/products/${productId}`);
  const { stock } = (answer.body as { product: { stock: Row[] } }).product;
  return stock.find((s) => s.warehouseId === warehouseId)!;
}

// A row with exactly `available` units free, set as an operator would, so
// the ledger the consistency check reads agrees with it.
async function stock(productId: string, warehouseId: string, available: number) {
  const { reserved, sold } = await row(productId, warehouseId);
  const set = await call(server.url, "/api/admin/stock", {
    method: "POST",
    headers: admin,
    body: { productId, warehouseId, total: reserved + sold + available, reason: "correction" },
  });
  expect(set.status, set.text).toBe(200);
}

async function hold(items: Line[], headers: Record<string, string> = {}, base = server.url): Promise<Held> {
  const made = await call(base, "/api/reservations", { method: "POST", body: { items }, headers });
  expect(made.status, made.text).toBe(201);
  const { reservation, holdToken } = createdReservation.parse(made.body);
  // a session or a key acts on its hold with the same headers that made it
  const auth = headers.Cookie || headers.Authorization ? headers : bearer(holdToken);
  return { id: reservation.id, expiresAt: reservation.expiresAt, auth };
}

const addItems = (held: Held, items: Line[], headers: Record<string, string> = held.auth) =>
  call(server.url, `/api/reservations/${held.id}/items`, { method: "POST", body: { items }, headers });

const setItem = (held: Held, line: Line, headers: Record<string, string> = held.auth) =>
  call(server.url, `/api/reservations/${held.id}/items`, { method: "PATCH", body: line, headers });

const reservationOf = (answer: ApiResponse) =>
  reservationSchema.strict().parse((answer.body as { reservation: unknown }).reservation);

const linesOf = (answer: ApiResponse) =>
  reservationOf(answer).items.map((i) => [i.productId, i.warehouseId, i.quantity]);

async function read(held: Held) {
  const answer = await call(server.url, `/api/reservations/${held.id}`, { headers: held.auth });
  expect(answer.status).toBe(200);
  return reservationOf(answer);
}

const consistency = async () =>
  (await call(server.url, "/api/admin/consistency", { method: "POST", headers: admin })).body;

describe("POST /api/reservations/:id/items", () => {
  test("adds new lines and more of a line the hold has, at once, and keeps the hold's expiresAt", async () => {
    await stock("aurora-headphones", "blr-01", 10);
    await stock("indigo-backpack", "blr-01", 10);
    const held = await hold([{ productId: "aurora-headphones", warehouseId: "blr-01", quantity: 1 }]);

    const added = await addItems(held, [
      { productId: "aurora-headphones", warehouseId: "blr-01", quantity: 2 },
      { productId: "indigo-backpack", warehouseId: "blr-01", quantity: 1 },
    ]);

    expect(added.status, added.text).toBe(200);
    expect(linesOf(added)).toEqual([
      ["aurora-headphones", "blr-01", 3],
      ["indigo-backpack", "blr-01", 1],
    ]);
    expect(reservationOf(added)).toMatchObject({ status: "pending", expiresAt: held.expiresAt });
    expect((await read(held)).expiresAt).toBe(held.expiresAt);
    expect(await row("aurora-headphones", "blr-01")).toMatchObject({ reserved: 3, available: 7 });
    expect(await row("indigo-backpack", "blr-01")).toMatchObject({ reserved: 1, available: 9 });
  });

  test("all or nothing: one short line is 409 insufficient_stock naming it, and nothing changes", async () => {
    await stock("saffron-fountain-pen", "blr-01", 10);
    await stock("saffron-fountain-pen", "mum-01", 2);
    const held = await hold([{ productId: "saffron-fountain-pen", warehouseId: "blr-01", quantity: 1 }]);
    const before = await read(held);

    const refused = await addItems(held, [
      { productId: "saffron-fountain-pen", warehouseId: "blr-01", quantity: 4 },
      { productId: "saffron-fountain-pen", warehouseId: "mum-01", quantity: 3 },
    ]);

    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      error: {
        code: "insufficient_stock",
        message: expect.stringContaining("Mumbai has 2 left (asked for 3)"),
        details: [{ productId: "saffron-fountain-pen", warehouseId: "mum-01", requested: 3, available: 2 }],
      },
    });
    expect(await read(held)).toEqual(before);
    expect(await row("saffron-fountain-pen", "blr-01")).toMatchObject({ reserved: 1, available: 9 });
    expect(await row("saffron-fountain-pen", "mum-01")).toMatchObject({ reserved: 0, available: 2 });
    // a row that does not exist is refused as a new hold's would be
    const unknown = await addItems(held, [{ productId: "saffron-fountain-pen", warehouseId: "del-01", quantity: 1 }]);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: "not_found", message: expect.stringContaining("del-01") } });
  });

  test("keeps to a hold's shape: 409 line_too_large past 100 of a line, too_many_lines past 20 lines", async () => {
    await stock("lumen-fountain-pen", "blr-01", 150);
    const held = await hold([{ productId: "lumen-fountain-pen", warehouseId: "blr-01", quantity: 99 }]);

    const tooLarge = await addItems(held, [{ productId: "lumen-fountain-pen", warehouseId: "blr-01", quantity: 2 }]);
    expect(tooLarge.status).toBe(409);
    expect(tooLarge.body).toMatchObject({
      error: {
        code: "line_too_large",
        details: { productId: "lumen-fountain-pen", warehouseId: "blr-01", limit: 100 },
      },
    });

    // 20 rows of other products with a unit free
    const { products } = (await call(server.url, "/api/products?limit=100")).body as {
      products: { id: string; stock: Row[] }[];
    };
    const rows = products
      .filter((p) => !usedHere.has(p.id))
      .flatMap((p) => p.stock.filter((s) => s.available >= 1).map((s) => ({ productId: p.id, ...s })))
      .slice(0, 20)
      .map(({ productId, warehouseId }) => ({ productId, warehouseId, quantity: 1 }));
    expect(rows).toHaveLength(20);
    const tooMany = await addItems(held, rows);
    expect(tooMany.status).toBe(409);
    expect(tooMany.body).toMatchObject({ error: { code: "too_many_lines", details: { limit: 20 } } });
    expect(await read(held)).toMatchObject({ items: [{ quantity: 99 }] });

    const fits = await addItems(held, rows.slice(1));
    expect(fits.status, fits.text).toBe(200);
    expect(reservationOf(fits).items).toHaveLength(20);
  });

  test("a drop's product is 409 drop_product: it joins only a hold made in its drop", async () => {
    const drop = await call(server.url, "/api/admin/drops", {
      method: "POST",
      headers: admin,
      body: {
        name: "Backpacks",
        productIds: ["nimbus-backpack"],
        startsAt: new Date(Date.now() - 1_000).toISOString(),
      },
    });
    expect(drop.status, drop.text).toBe(201);
    const held = await hold([{ productId: "nimbus-water-bottle", warehouseId: "hyd-01", quantity: 1 }]);

    const refused = await addItems(held, [{ productId: "nimbus-backpack", warehouseId: "del-01", quantity: 1 }]);

    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({
      error: { code: "drop_product", message: expect.stringContaining("nimbus-backpack") },
    });
    expect((refused.body as { error: { details: unknown } }).error.details).toEqual({
      productIds: ["nimbus-backpack"],
    });
    expect(await row("nimbus-backpack", "del-01")).toMatchObject({ reserved: 0 });
  });
});

describe("PATCH /api/reservations/:id/items", () => {
  const vase = { productId: "teak-ceramic-vase", warehouseId: "blr-01" };
  const candle = { productId: "teak-scented-candle", warehouseId: "mum-01" };

  test("more takes units, fewer frees them, 0 takes a line out, the last line out releases the hold", async () => {
    await stock(vase.productId, vase.warehouseId, 5);
    await stock(candle.productId, candle.warehouseId, 5);
    const held = await hold([
      { ...vase, quantity: 2 },
      { ...candle, quantity: 1 },
    ]);

    const more = await setItem(held, { ...vase, quantity: 4 });
    expect(more.status, more.text).toBe(200);
    expect(linesOf(more)).toEqual([
      [vase.productId, vase.warehouseId, 4],
      [candle.productId, candle.warehouseId, 1],
    ]);
    expect(await row(vase.productId, vase.warehouseId)).toMatchObject({ reserved: 4, available: 1 });

    // more than is free is refused like a new hold, for the extra units
    const tooMany = await setItem(held, { ...vase, quantity: 6 });
    expect(tooMany.status).toBe(409);
    expect(tooMany.body).toMatchObject({
      error: { code: "insufficient_stock", details: [{ ...vase, requested: 2, available: 1 }] },
    });

    const fewer = await setItem(held, { ...vase, quantity: 1 });
    expect(linesOf(fewer)).toEqual([
      [vase.productId, vase.warehouseId, 1],
      [candle.productId, candle.warehouseId, 1],
    ]);
    expect(await row(vase.productId, vase.warehouseId)).toMatchObject({ reserved: 1, available: 4 });

    const out = await setItem(held, { ...candle, quantity: 0 });
    expect(linesOf(out)).toEqual([[vase.productId, vase.warehouseId, 1]]);
    expect(await row(candle.productId, candle.warehouseId)).toMatchObject({ reserved: 0, available: 5 });

    // a line the hold does not have, set to 0: nothing to do
    const absent = await setItem(held, { ...candle, quantity: 0 });
    expect(absent.status).toBe(200);
    expect(linesOf(absent)).toEqual([[vase.productId, vase.warehouseId, 1]]);
    expect(reservationOf(absent).expiresAt).toBe(held.expiresAt);

    const last = await setItem(held, { ...vase, quantity: 0 });
    expect(last.status).toBe(200);
    expect(reservationOf(last)).toMatchObject({ status: "released", expiresAt: held.expiresAt });
    expect(await row(vase.productId, vase.warehouseId)).toMatchObject({ reserved: 0, available: 5 });
    expect(await read(held)).toMatchObject({ status: "released" });

    const after = await setItem(held, { ...vase, quantity: 1 });
    expect(after.status).toBe(409);
    expect(after.body).toMatchObject({ error: { code: "invalid_state" } });
    expect(await consistency()).toMatchObject({ report: { violations: [] } });
  });

  test("fewer frees units that another shopper then holds", async () => {
    const headphones = { productId: "cedar-headphones", warehouseId: "blr-01" };
    await stock(headphones.productId, headphones.warehouseId, 3);
    const first = await hold([{ ...headphones, quantity: 3 }], { Cookie: await sessionCookie("first-shopper") });
    const second = { Cookie: await sessionCookie("second-shopper") };
    const tryHold = () =>
      call(server.url, "/api/reservations", { method: "POST", body: { ...headphones, quantity: 2 }, headers: second });

    const early = await tryHold();
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ error: { code: "insufficient_stock" } });

    expect((await setItem(first, { ...headphones, quantity: 1 })).status).toBe(200);
    const late = await tryHold();

    expect(late.status).toBe(201);
    expect(await row(headphones.productId, headphones.warehouseId)).toMatchObject({ reserved: 3, available: 0 });
    expect(await read(first)).toMatchObject({ status: "pending", items: [{ quantity: 1 }] });
  });
});

describe("what a change refuses", () => {
  const knife = { productId: "harbor-chefs-knife", warehouseId: "mum-01" };

  test("410 once the hold ran out, 409 invalid_state once paid; nothing is held", async () => {
    await stock(knife.productId, knife.warehouseId, 10);
    const late = await hold([{ ...knife, quantity: 1 }]);
    // the hold's time ran out a moment ago (time moved in the data, not slept)
    await expireNow(url, late.id);

    for (const answer of [
      await addItems(late, [{ ...knife, quantity: 1 }]),
      await setItem(late, { ...knife, quantity: 2 }),
    ]) {
      expect(answer.status).toBe(410);
      expect(answer.body).toMatchObject({
        error: { code: "reservation_expired", details: { reservation: { id: late.id, status: "expired" } } },
      });
    }

    const paid = await hold([{ ...knife, quantity: 1 }]);
    const confirmed = await call(server.url, `/api/reservations/${paid.id}/confirm`, {
      method: "POST",
      headers: paid.auth,
    });
    expect(confirmed.status).toBe(200);
    for (const answer of [
      await addItems(paid, [{ ...knife, quantity: 1 }]),
      await setItem(paid, { ...knife, quantity: 0 }),
    ]) {
      expect(answer.status).toBe(409);
      expect(answer.body).toMatchObject({
        error: { code: "invalid_state", details: { reservation: { id: paid.id, status: "confirmed" } } },
      });
    }
    expect(await row(knife.productId, knife.warehouseId)).toMatchObject({ reserved: 0, available: 9 });
  });

  test("anyone but the holder gets 404: another session, no credentials, another hold's token, another key", async () => {
    const kettle = { productId: "harbor-pour-over-set", warehouseId: "mum-01" };
    await stock(kettle.productId, kettle.warehouseId, 20);
    const bySession = await hold([{ ...kettle, quantity: 1 }], { Cookie: await sessionCookie("owner") });
    const byToken = await hold([{ ...kettle, quantity: 1 }]);
    const keys = await Promise.all(["Items: mine", "Items: theirs"].map(makeKey));
    const byKey = await hold([{ ...kettle, quantity: 1 }], bearer(keys[0]!.key));
    const strangers: Record<string, string>[] = [
      {},
      { Cookie: await sessionCookie("someone-else") },
      bearer(`hold-token-that-is-${"x".repeat(20)}`),
      bearer(keys[1]!.key),
    ];
    for (const held of [bySession, byToken, byKey]) {
      for (const headers of [
        ...strangers,
        ...[bySession, byToken, byKey].filter((h) => h !== held).map((h) => h.auth),
      ]) {
        const added = await addItems(held, [{ ...kettle, quantity: 1 }], headers);
        const set = await setItem(held, { ...kettle, quantity: 5 }, headers);
        expect([added.status, set.status], JSON.stringify(headers)).toEqual([404, 404]);
        expect(added.body).toMatchObject({ error: { code: "not_found" } });
      }
    }
    expect(await row(kettle.productId, kettle.warehouseId)).toMatchObject({ reserved: 3 });
    // an unknown key is refused before anything else
    const unknown = await addItems(byKey, [{ ...kettle, quantity: 1 }], bearer(`hfk_${"A".repeat(43)}`));
    expect(unknown.status).toBe(401);
    // each holder may
    for (const held of [bySession, byToken, byKey]) {
      expect((await addItems(held, [{ ...kettle, quantity: 1 }])).status).toBe(200);
    }
    expect(await row(kettle.productId, kettle.warehouseId)).toMatchObject({ reserved: 6 });
    // an id that cannot name a hold
    for (const method of ["POST", "PATCH"]) {
      const body = method === "POST" ? { items: [{ ...kettle, quantity: 1 }] } : { ...kettle, quantity: 1 };
      const malformed = await call(server.url, "/api/reservations/not-a-uuid/items", { method, body });
      expect(malformed.status).toBe(404);
    }
  });

  const line = { productId: "aurora-turntable", warehouseId: "blr-01", quantity: 1 };
  const json = { "Content-Type": "application/json" };
  const badBodies: [string, "POST" | "PATCH", string, string][] = [
    ["an unknown field", "POST", JSON.stringify({ items: [line], customer: { id: "c1" } }), "customer"],
    ["an unknown field in a line", "POST", JSON.stringify({ items: [{ ...line, price: 0 }] }), "price"],
    ["quantity 101", "POST", JSON.stringify({ items: [{ ...line, quantity: 101 }] }), "items.0.quantity"],
    ["quantity -1", "POST", JSON.stringify({ items: [{ ...line, quantity: -1 }] }), "items.0.quantity"],
    ["quantity 0", "POST", JSON.stringify({ items: [{ ...line, quantity: 0 }] }), "items.0.quantity"],
    ["21 lines", "POST", JSON.stringify({ items: Array(21).fill(line) }), "items"],
    [
      "one row over 100 in all",
      "POST",
      JSON.stringify({ items: [line, { ...line, quantity: 100 }] }),
      "at most 100 of aurora-turntable from blr-01 in all",
    ],
    ["no lines", "POST", JSON.stringify({ items: [] }), "items"],
    ["one line without items", "POST", JSON.stringify(line), "items"],
    ["malformed JSON", "POST", "{nope", "body"],
    ["no body", "POST", "", "body"],
    ["quantity 101", "PATCH", JSON.stringify({ ...line, quantity: 101 }), "quantity"],
    ["quantity -1", "PATCH", JSON.stringify({ ...line, quantity: -1 }), "quantity"],
    ["a fractional quantity", "PATCH", JSON.stringify({ ...line, quantity: 1.5 }), "quantity"],
    ["a string quantity", "PATCH", JSON.stringify({ ...line, quantity: "2" }), "quantity"],
    ["no quantity", "PATCH", JSON.stringify({ productId: line.productId, warehouseId: line.warehouseId }), "quantity"],
    ["an unknown field", "PATCH", JSON.stringify({ ...line, note: "gift" }), "note"],
    ["a list of lines", "PATCH", JSON.stringify({ items: [line] }), "items"],
    ["a malformed product id", "PATCH", JSON.stringify({ ...line, productId: "x'--" }), "productId"],
  ];

  test("bad bodies are 400 naming the field, non-JSON 415, over 64 KB 413; the hold is untouched", async () => {
    await stock(line.productId, line.warehouseId, 10);
    const held = await hold([line]);
    const before = await read(held);
    const path = `/api/reservations/${held.id}/items`;

    for (const [what, method, body, field] of badBodies) {
      const answer = await rawRequest(server.url, path, { method, headers: { ...json, ...held.auth }, body });
      expect(answer.status, `${method} ${what}`).toBe(400);
      const { error } = JSON.parse(answer.text) as { error: { code: string; message: string } };
      expect(error.code).toBe("validation_error");
      expect(error.message, `${method} ${what}`).toContain(field);
    }
    for (const method of ["POST", "PATCH"]) {
      const form = await call(server.url, path, {
        method,
        body: JSON.stringify(line),
        headers: { ...held.auth, "Content-Type": "text/plain" },
      });
      expect(form.status).toBe(415);
      expect(form.body).toMatchObject({ error: { code: "unsupported_media_type" } });
      const huge = await call(server.url, path, { method, body: { items: "x".repeat(70_000) }, headers: held.auth });
      expect(huge.status).toBe(413);
      expect(huge.body).toMatchObject({ error: { code: "payload_too_large" } });
    }
    expect(await read(held)).toEqual(before);
    expect(await row(line.productId, line.warehouseId)).toMatchObject({ reserved: 1 });
  });

  test("other methods are 405 with Allow: POST, PATCH", async () => {
    const path = `/api/reservations/${crypto.randomUUID()}/items`;
    for (const method of ["GET", "DELETE"]) {
      const answer = await call(server.url, path, { method });
      expect(answer.status, method).toBe(405);
      expect(answer.headers.get("allow")).toBe("POST, PATCH");
    }
    expect((await call(server.url, path, { method: "PUT", body: {} })).status).toBe(405);
  });

  test("a page on another site cannot change a hold, even with the shopper's cookie: 403", async () => {
    const earbuds = { productId: "cedar-earbuds", warehouseId: "del-01" };
    await stock(earbuds.productId, earbuds.warehouseId, 10);
    const cookie = await sessionCookie("victim");
    const held = await hold([{ ...earbuds, quantity: 1 }], { Cookie: cookie });
    const path = `/api/reservations/${held.id}/items`;

    const sites: Record<string, string>[] = [{ Origin: "https://evil.example" }, { "Sec-Fetch-Site": "cross-site" }];
    for (const site of sites) {
      const headers = { ...json, Cookie: cookie, ...site };
      const patched = await rawRequest(server.url, path, {
        method: "PATCH",
        headers,
        body: JSON.stringify({ ...earbuds, quantity: 0 }),
      });
      const posted = await rawRequest(server.url, path, {
        method: "POST",
        headers,
        body: JSON.stringify({ items: [{ ...earbuds, quantity: 5 }] }),
      });
      expect([patched.status, posted.status]).toEqual([403, 403]);
    }
    expect(await read(held)).toMatchObject({ status: "pending", items: [{ quantity: 1 }] });
    expect(await row(earbuds.productId, earbuds.warehouseId)).toMatchObject({ reserved: 1 });
  });
});

describe("Idempotency-Key", () => {
  const blanket = { productId: "teak-throw-blanket", warehouseId: "mum-01" };

  test("the same POST twice adds once and replays; another body with the key is 409; keys are the caller's", async () => {
    await stock(blanket.productId, blanket.warehouseId, 20);
    const held = await hold([{ ...blanket, quantity: 1 }]);
    const add = (quantity: number, headers = held.auth) =>
      addItems(held, [{ ...blanket, quantity }], { ...headers, "Idempotency-Key": "add-two" });

    const first = await add(2);
    const again = await add(2);

    expect([first.status, again.status]).toEqual([200, 200]);
    expect(first.headers.get("idempotent-replay")).toBeNull();
    expect(again.headers.get("idempotent-replay")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(linesOf(again)).toEqual([[blanket.productId, blanket.warehouseId, 3]]);
    expect(await read(held)).toMatchObject({ items: [{ quantity: 3 }] });
    expect(await row(blanket.productId, blanket.warehouseId)).toMatchObject({ reserved: 3 });

    const other = await add(5);
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ error: { code: "idempotency_conflict" } });
    // a stranger with the same key is no replay: the hold is not theirs
    const stranger = await add(2, { Cookie: await sessionCookie("stranger") });
    expect(stranger.status).toBe(404);
    expect(stranger.headers.get("idempotent-replay")).toBeNull();

    const set = (quantity: number) =>
      setItem(held, { ...blanket, quantity }, { ...held.auth, "Idempotency-Key": "set-one" });
    expect(linesOf(await set(1))).toEqual([[blanket.productId, blanket.warehouseId, 1]]);
    const replayed = await set(1);
    expect(replayed.headers.get("idempotent-replay")).toBe("true");
    expect(await row(blanket.productId, blanket.warehouseId)).toMatchObject({ reserved: 1 });
  });
});

describe("the write rate limit", () => {
  test("changes count against RATE_LIMIT_PER_MINUTE (429 with Retry-After); a replay costs nothing", async () => {
    const limited = await startServer({
      DATABASE_URL: testDatabaseUrl(),
      ...noClientLimits,
      RATE_LIMIT_PER_MINUTE: "3",
    });
    try {
      const lamp = { productId: "lumen-desk-lamp", warehouseId: "del-01" };
      const held = await hold([{ ...lamp, quantity: 1 }], {}, limited.url);
      const path = `/api/reservations/${held.id}/items`;
      const add = { items: [{ ...lamp, quantity: 1 }] };
      const post = () =>
        call(limited.url, path, { method: "POST", body: add, headers: { ...held.auth, "Idempotency-Key": "k1" } });

      expect((await post()).status).toBe(200);
      expect((await post()).headers.get("idempotent-replay")).toBe("true");
      const set = (quantity: number) =>
        call(limited.url, path, { method: "PATCH", body: { ...lamp, quantity }, headers: held.auth });
      expect((await set(3)).status).toBe(200);
      const refused = await set(5);

      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ error: { code: "rate_limited" } });
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      const now = await call(limited.url, `/api/reservations/${held.id}`, { headers: held.auth });
      expect(reservationOf(now).items).toMatchObject([{ quantity: 3 }]);
    } finally {
      await limited.stop();
    }
  });
});

type Key = { id: string; key: string };

async function makeKey(name: string): Promise<Key> {
  const made = await call(server.url, "/api/admin/api-keys", { method: "POST", body: { name }, headers: admin });
  expect(made.status).toBe(201);
  const { apiKey, key } = made.body as { apiKey: { id: string }; key: string };
  return { id: apiKey.id, key };
}

describe("the integrator key's event feed", () => {
  test("a change of a key's customer's hold is `changed`, with the new lines; the last line out is `released`", async () => {
    const kettle = { productId: "harbor-kettle", warehouseId: "blr-01" };
    await stock(kettle.productId, kettle.warehouseId, 10);
    const { key } = await makeKey("Items: feed");
    const made = await call(server.url, "/api/reservations", {
      method: "POST",
      body: { ...kettle, quantity: 1, customer: { id: "customer-1" } },
      headers: bearer(key),
    });
    expect(made.status).toBe(201);
    const { reservation } = createdReservation.parse(made.body);
    const held = { id: reservation.id, expiresAt: reservation.expiresAt, auth: bearer(key) };

    expect((await addItems(held, [{ ...kettle, quantity: 2 }])).status).toBe(200);
    expect((await setItem(held, { ...kettle, quantity: 0 })).status).toBe(200);

    const feed = await call(server.url, "/api/events", { headers: bearer(key) });
    expect(feed.status).toBe(200);
    const { events } = keyEventsPage.strict().parse(feed.body);
    expect(events.map((e) => [e.type, e.reservationId, e.status])).toEqual([
      ["created", held.id, "pending"],
      ["changed", held.id, "pending"],
      ["released", held.id, "released"],
    ]);
    expect(events[1]).toMatchObject({ items: [{ ...kettle, quantity: 3 }], expiresAt: held.expiresAt });
  });
});

describe("the OpenAPI document", () => {
  test("has both operations with their bodies, every answer and the Idempotency-Key; the feed has `changed`", async () => {
    const doc = (await call(server.url, "/api/openapi.json")).body as {
      paths: Record<
        string,
        Record<
          string,
          { requestBody: unknown; responses: Record<string, unknown>; parameters: { name: string; in: string }[] }
        >
      >;
      components: { schemas: Record<string, { properties: Record<string, { enum?: string[] }> }> };
    };
    const operations = doc.paths["/api/reservations/{id}/items"]!;
    expect(Object.keys(operations).sort()).toEqual(["patch", "post"]);
    for (const [method, schema] of [
      ["post", "AddItemsRequest"],
      ["patch", "SetItemRequest"],
    ] as const) {
      expect(operations[method]!.requestBody).toMatchObject({
        content: { "application/json": { schema: { $ref: `#/components/schemas/${schema}` } } },
      });
      expect(Object.keys(operations[method]!.responses).sort()).toEqual(
        ["200", "400", "401", "404", "409", "410", "413", "415", "425", "429"].sort(),
      );
      expect(operations[method]!.parameters).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: "id", in: "path" }),
          expect.objectContaining({ name: "Idempotency-Key", in: "header" }),
        ]),
      );
    }
    expect(doc.components.schemas.SetItemRequest!.properties.quantity).toMatchObject({ minimum: 0, maximum: 100 });
    expect(doc.components.schemas.KeyEvent!.properties.type!.enum).toContain("changed");
  });
});

describe("racing", () => {
  test("50 simultaneous +1 changes to one hold from two servers race 50 shoppers for the last units: exact", async () => {
    const clock = { productId: "basalt-wall-clock", warehouseId: "blr-01" };
    await stock(clock.productId, clock.warehouseId, 30);
    const second = await startServer({ DATABASE_URL: url, ...noClientLimits, HOLD_TTL_SECONDS: "600" });
    try {
      const bases = [server.url, second.url];
      const { sold, total } = await row(clock.productId, clock.warehouseId);
      const held = await hold([{ ...clock, quantity: 1 }]);
      const tagged = (r: ApiResponse) =>
        r.status === 409 ? `409 ${(r.body as { error: { code: string } }).error.code}` : String(r.status);

      // every request is sent before any answer is read, a change and a
      // shopper's hold in turn, each pair to the two servers
      const changes: Promise<ApiResponse>[] = [];
      const others: Promise<ApiResponse>[] = [];
      for (let i = 0; i < 50; i++) {
        changes.push(
          call(bases[i % 2]!, `/api/reservations/${held.id}/items`, {
            method: "POST",
            body: { items: [{ ...clock, quantity: 1 }] },
            headers: held.auth,
          }),
        );
        others.push(
          call(bases[(i + 1) % 2]!, "/api/reservations", { method: "POST", body: { ...clock, quantity: 1 } }),
        );
      }
      const [changed, made] = await Promise.all([Promise.all(changes), Promise.all(others)]);

      const grown = changed.filter((c) => c.status === 200);
      const holds = made.filter((m) => m.status === 201);
      // no error of ours, and no refusal but the stock running out
      expect(changed.map(tagged).filter((t) => t !== "200" && t !== "409 insufficient_stock")).toEqual([]);
      expect(made.map(tagged).filter((t) => t !== "201" && t !== "409 insufficient_stock")).toEqual([]);
      // both sides won some units: it was a race
      expect(grown.length).toBeGreaterThan(0);
      expect(holds.length).toBeGreaterThan(0);
      // the demand (100) was over the 29 free units: every one of them is held
      expect(1 + grown.length + holds.length).toBe(30);
      // each change saw the one before it: the quantities answered are 2, 3, … in some order
      expect(grown.map((c) => reservationOf(c).items[0]!.quantity).sort((a, b) => a - b)).toEqual(
        Array.from({ length: grown.length }, (_, i) => i + 2),
      );
      const final = await read(held);
      expect(final).toMatchObject({ status: "pending", expiresAt: held.expiresAt });
      expect(final.items).toMatchObject([{ quantity: 1 + grown.length }]);
      expect(await row(clock.productId, clock.warehouseId)).toMatchObject({
        total,
        sold,
        reserved: 1 + grown.length + holds.length,
        available: 0,
      });
      expect(await consistency()).toMatchObject({ report: { violations: [] } });
    } finally {
      await second.stop();
    }
  });
});
