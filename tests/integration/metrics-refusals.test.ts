import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { call, setStock } from "../helpers/api";
import { testDatabaseUrl } from "../helpers/database";
import { noClientLimits, startServer, type RunningServer, freePort } from "../helpers/server";

// A refused hold leaves nothing in the outbox, so /metrics counts the
// refusals as they happen, by code, whether the API or the shop's form
// asked: holdfast_holds_total{outcome="insufficient_stock"} beside
// {outcome="created"}.

let server: RunningServer;
let metricsUrl: string;
const url = testDatabaseUrl();

beforeAll(async () => {
  const port = await freePort();
  server = await startServer({
    DATABASE_URL: url,
    ...noClientLimits,
    // one hold at a time per client: the second is client_limit_reached
    MAX_PENDING_HOLDS_PER_CLIENT: "1",
    METRICS_PORT: String(port),
  });
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
  await setStock(url, "saffron-notebook", "del-01", 2);
});
afterAll(async () => {
  await server.stop();
});

async function holdsByOutcome(): Promise<Record<string, number>> {
  const text = await (await fetch(metricsUrl)).text();
  const counts: Record<string, number> = {};
  for (const [, outcome, value] of text.matchAll(/^holdfast_holds_total\{outcome="(\w+)"\} (\d+)$/gm)) {
    counts[outcome!] = Number(value);
  }
  return counts;
}

const hold = (body: unknown, headers: Record<string, string> = {}) =>
  call(server.url, "/api/reservations", { method: "POST", body, headers });

describe("refused holds in /metrics", () => {
  test("insufficient_stock, not_found and client_limit_reached, from the API and the shop's form", async () => {
    const api = { productId: "saffron-notebook", warehouseId: "del-01" };
    expect((await hold({ ...api, quantity: 3 })).status).toBe(409);
    expect((await hold({ productId: "no-such-product", warehouseId: "del-01", quantity: 1 })).status).toBe(404);
    expect((await hold({ productId: "bad id!", warehouseId: "del-01", quantity: 1 })).status).toBe(400);
    expect((await hold({ ...api, quantity: 1 })).status).toBe(201);
    const second = await hold({ ...api, quantity: 1 });
    expect(second.body).toMatchObject({ error: { code: "client_limit_reached" } });

    // the shop's form: a new session (so no cap yet), asking for more than is left
    const form = await fetch(`${server.url}/products/saffron-notebook`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ warehouseId: "del-01", quantity: "5" }),
    });
    expect(form.status).toBe(409);

    await expect.poll(holdsByOutcome).toMatchObject({
      created: 1,
      insufficient_stock: 2,
      not_found: 1,
      client_limit_reached: 1,
    });
    // a body the schema refuses never asked for a hold
    expect(await holdsByOutcome()).not.toHaveProperty("validation_error");
  });
});
