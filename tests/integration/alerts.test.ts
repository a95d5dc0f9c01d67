import { createServer, type Server } from "node:http";
import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { call } from "../helpers/api";
import { testDatabaseUrl } from "../helpers/database";
import { noClientLimits, startServer, testSecrets, type RunningServer } from "../helpers/server";

// A consistency violation is sent to ALERT_WEBHOOK_URL once, retried if the
// receiver fails, and sent again only after the row was right in between.

let receiver: Server;
let server: RunningServer;
const url = testDatabaseUrl();
const received: { text: string; condition: string; productId: string }[] = [];
let failNext = 1;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      if (failNext > 0) {
        failNext -= 1;
        res.statusCode = 500;
        res.end();
        return;
      }
      received.push(JSON.parse(body) as (typeof received)[number]);
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const { port } = receiver.address() as { port: number };
  server = await startServer({
    DATABASE_URL: url,
    ...noClientLimits,
    CONSISTENCY_CHECK_SECONDS: "1",
    ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/hook`,
  });
});
afterAll(async () => {
  await server.stop();
  await new Promise((resolve) => receiver.close(resolve));
});

async function corrupt() {
  const client = createClient({ url });
  await client.execute(
    "UPDATE inventory SET reserved = reserved + 1 WHERE product_id = 'tidal-soundbar' AND warehouse_id = 'del-01'",
  );
  client.close();
}

describe("alerts", () => {
  test("a violation is sent once (after a failed delivery, retried), and again only after it cleared", async () => {
    await corrupt();
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(1);
    expect(received[0]).toMatchObject({
      condition: "consistency:tidal-soundbar:del-01",
      productId: "tidal-soundbar",
      text: expect.stringContaining("tidal-soundbar at del-01 is out of step"),
    });
    // more checks run; the same condition is not sent again
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(received).toHaveLength(1);

    const repaired = await call(server.url, "/api/admin/consistency/repair", {
      method: "POST",
      headers: { Authorization: `Bearer ${testSecrets.ADMIN_TOKEN}` },
      body: { productId: "tidal-soundbar", warehouseId: "del-01" },
    });
    expect(repaired.status).toBe(200);
    await call(server.url, "/api/admin/consistency", {
      method: "POST",
      headers: { Authorization: `Bearer ${testSecrets.ADMIN_TOKEN}` },
    });
    await corrupt();
    await expect.poll(() => received.length, { timeout: 10_000 }).toBe(2);
  });
});
