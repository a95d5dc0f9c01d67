import { describe, expect, test } from "vitest";
import { setStock, snapshot } from "../helpers/api";
import { testDatabaseUrl } from "../helpers/database";
import { startServer, noClientLimits } from "../helpers/server";

// The 50-on-10 race over real HTTP: exactly the stock is held, everyone else
// gets a clean 409, nobody gets a 5xx.

async function race(bases: string[], count: number, productId = "zenith-linen-cushion") {
  const statuses = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      fetch(`${bases[i % bases.length]}/api/reservations`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ productId, warehouseId: "blr-01", quantity: 1 }),
      }).then(async (r) => {
        const body = (await r.json()) as { error?: { code: string } };
        return r.status === 409 ? `409 ${body.error?.code}` : String(r.status);
      }),
    ),
  );
  return statuses.reduce<Record<string, number>>((t, s) => ({ ...t, [s]: (t[s] ?? 0) + 1 }), {});
}

async function heldUnits(url: string, productId = "zenith-linen-cushion") {
  const rows = JSON.parse(await snapshot(url)) as { product_id: string; warehouse_id: string; reserved: number }[][];
  return rows[0]!.find((r) => r.product_id === productId && r.warehouse_id === "blr-01")?.reserved;
}

describe("50 shoppers, 10 units, over HTTP", () => {
  test("one server: exactly 10 × 201 and 40 × 409", async () => {
    const url = testDatabaseUrl();
    const server = await startServer({ DATABASE_URL: url, ...noClientLimits });
    try {
      await setStock(url, "zenith-linen-cushion", "blr-01", 10);
      expect(await race([server.url], 50)).toEqual({ "201": 10, "409 insufficient_stock": 40 });
      expect(await heldUnits(url)).toBe(10);
    } finally {
      await server.stop();
    }
  });

  test("two server processes on one database file: still exactly 10", async () => {
    const url = testDatabaseUrl();
    const first = await startServer({ DATABASE_URL: url, ...noClientLimits });
    const second = await startServer({ DATABASE_URL: url, ...noClientLimits });
    try {
      // a few rounds, on a fresh row each, so the two writers really collide
      for (const productId of ["zenith-linen-cushion", "tidal-soundbar", "cedar-turntable"]) {
        await setStock(url, productId, "blr-01", 10);
        expect(await race([first.url, second.url], 50, productId)).toEqual({ "201": 10, "409 insufficient_stock": 40 });
        expect(await heldUnits(url, productId)).toBe(10);
      }
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
  });
});
