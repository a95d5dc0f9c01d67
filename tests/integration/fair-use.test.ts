import { afterEach, describe, expect, test } from "vitest";
import type { Database } from "~/infra/db/db.server";
import { release } from "~/models/hold-changes.server";
import { holdPolicy, type FairUse } from "~/models/reservation";
import { clientKeys, reserve, type ReserveOutcome } from "~/models/reservation.server";
import { call, sessionCookie, setStock } from "../helpers/api";
import { addProduct, freshDatabase, rawCounts, testDatabaseUrl } from "../helpers/database";
import { startServer } from "../helpers/server";

// Fair use for clients without an account: caps on what one client (and
// one address) may hold at once, decided inside the same guarded write as
// stock, so holds queued together in one group commit cannot slip past.

const policy = holdPolicy(600);
const caps = (fairUse: Partial<FairUse>): FairUse => ({
  holdsPerClient: 0,
  unitsPerClient: 0,
  unitsPerAddress: 0,
  holdsPerCustomer: 0,
  ...fairUse,
});

let database: Database | undefined;
afterEach(async () => {
  await database?.close();
  database = undefined;
});

function hold(
  db: Database,
  {
    session = null,
    address = "198.51.100.7",
    quantity = 1,
    fairUse,
    now = 1_000,
  }: {
    session?: string | null;
    address?: string;
    quantity?: number;
    fairUse: FairUse;
    now?: number;
  },
): Promise<ReserveOutcome> {
  return reserve({
    database: db,
    items: [{ productId: "lamp", warehouseId: "blr-01", quantity }],
    holder: { sessionHash: session },
    requester: clientKeys({ sessionHash: session, address }),
    fairUse,
    policy,
    now,
  });
}

const tally = (outcomes: ReserveOutcome[]) =>
  outcomes.reduce<Record<string, number>>((t, o) => {
    const key = o.ok ? "ok" : o.code;
    return { ...t, [key]: (t[key] ?? 0) + 1 };
  }, {});

describe("caps inside the write", () => {
  test("20 holds from one client queued together, cap 3: exactly 3, in one group commit", async () => {
    database = await freshDatabase();
    await addProduct(database, { id: "lamp", rows: { "blr-01": 100 } });
    // submitted in one turn of the event loop, so they share one write
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => hold(database!, { fairUse: caps({ holdsPerClient: 3 }) })),
    );
    expect(tally(outcomes)).toEqual({ ok: 3, client_limit_reached: 17 });
    expect((await rawCounts(database))[0]?.reserved).toBe(3);
    const refused = outcomes.find((o) => !o.ok);
    expect(refused).toMatchObject({
      code: "client_limit_reached",
      limit: { scope: "client", measure: "holds", limit: 3, pending: 3, requested: 1 },
    });
  });

  test("units per client: a hold that would pass the cap is refused whole, a smaller one still fits", async () => {
    database = await freshDatabase();
    await addProduct(database, { id: "lamp", rows: { "blr-01": 100 } });
    const fairUse = caps({ unitsPerClient: 10 });
    const outcomes = await Promise.all([4, 5, 3, 1].map((quantity) => hold(database!, { quantity, fairUse })));
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, false, true]);
    expect((await rawCounts(database))[0]?.reserved).toBe(10);
  });

  test("each browser session has its own cap; the address caps them together", async () => {
    database = await freshDatabase();
    await addProduct(database, { id: "lamp", rows: { "blr-01": 100 } });
    const fairUse = caps({ unitsPerClient: 5, unitsPerAddress: 12 });
    const outcomes = await Promise.all(
      ["a", "b", "c"].map((session) => hold(database!, { session, quantity: 5, fairUse })),
    );
    // a and b fit (5 + 5), c would make 15 behind one address
    expect(outcomes.map((o) => (o.ok ? "ok" : o.code))).toEqual(["ok", "ok", "client_limit_reached"]);
    expect(outcomes[2]).toMatchObject({ limit: { scope: "address", measure: "units", limit: 12, pending: 10 } });
    // another address is not affected
    expect((await hold(database, { session: "d", address: "203.0.113.5", quantity: 5, fairUse })).ok).toBe(true);
  });

  test("a hold that ended (released, or past its expiry) no longer counts", async () => {
    database = await freshDatabase();
    await addProduct(database, { id: "lamp", rows: { "blr-01": 100 } });
    const fairUse = caps({ holdsPerClient: 1 });
    const first = await hold(database, { session: "s", fairUse, now: 1_000 });
    expect((await hold(database, { session: "s", fairUse, now: 2_000 })).ok).toBe(false);
    if (!first.ok) throw new Error("expected the first hold");
    await release({
      database,
      id: first.reservation.id,
      holder: { tokenHash: null, sessionHash: "s" },
      policy,
      now: 3_000,
    });
    const second = await hold(database, { session: "s", fairUse, now: 4_000 });
    expect(second.ok).toBe(true);
    // past its expiry (600 s) the second is dead, swept or not
    expect((await hold(database, { session: "s", fairUse, now: 4_000 + 600_000 })).ok).toBe(true);
  });

  test("stock and caps together: a capped client never takes units from the others", async () => {
    database = await freshDatabase();
    await addProduct(database, { id: "lamp", rows: { "blr-01": 10 } });
    const fairUse = caps({ holdsPerClient: 2 });
    const outcomes = await Promise.all([
      ...Array.from({ length: 8 }, () => hold(database!, { session: "greedy", fairUse })),
      ...Array.from({ length: 8 }, (_, i) => hold(database!, { session: `shopper-${i}`, fairUse })),
    ]);
    expect(outcomes.slice(0, 8).filter((o) => o.ok)).toHaveLength(2);
    expect(outcomes.slice(8).every((o) => o.ok)).toBe(true);
    expect((await rawCounts(database))[0]?.reserved).toBe(10);
  });
});

describe("caps over HTTP", () => {
  test("409 client_limit_reached naming the cap, for the API and the shop's form", async () => {
    const url = testDatabaseUrl();
    const server = await startServer({
      DATABASE_URL: url,
      RATE_LIMIT_PER_MINUTE: "0",
      MAX_PENDING_HOLDS_PER_CLIENT: "2",
    });
    try {
      await setStock(url, "lumen-desk-lamp", "del-01", 100);
      const line = { productId: "lumen-desk-lamp", warehouseId: "del-01", quantity: 1 };
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => call(server.url, "/api/reservations", { method: "POST", body: line })),
      );
      expect(answers.filter((a) => a.status === 201)).toHaveLength(2);
      const refused = answers.find((a) => a.status === 409)!;
      expect(refused.body).toMatchObject({
        error: {
          code: "client_limit_reached",
          message: expect.stringContaining("At most 2 holds"),
          details: { scope: "client", measure: "holds", limit: 2 },
        },
      });
      // a browser session is a client of its own, with its own two
      const cookie = await sessionCookie("shopper");
      const post = () =>
        fetch(`${server.url}/products/lumen-desk-lamp`, {
          method: "POST",
          headers: { Cookie: cookie },
          body: new URLSearchParams({ warehouseId: "del-01", quantity: "1" }),
          redirect: "manual",
        });
      expect((await post()).status).toBe(302);
      expect((await post()).status).toBe(302);
      const third = await post();
      expect(third.status).toBe(409);
      expect(await third.text()).toContain("You already have 2 holds waiting for payment");
    } finally {
      await server.stop();
    }
  });
});
