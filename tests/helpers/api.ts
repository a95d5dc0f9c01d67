import { createClient } from "@libsql/client";
import { createCookieSessionStorage } from "@remix-run/node";
import { expect } from "vitest";
import { testSecrets } from "./server";

export type ApiResponse = { status: number; headers: Headers; body: unknown; text: string };

// One JSON API call; every answer must be no-store and, when it is an error,
// the `{ error: { code, message } }` envelope.
export async function call(
  base: string,
  path: string,
  { method = "GET", body, headers = {} }: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? headers : { "Content-Type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  expect(response.headers.get("cache-control")).toBe("no-store");
  if (response.status >= 400) expectErrorEnvelope(parsed);
  return { status: response.status, headers: response.headers, body: parsed, text };
}

function expectErrorEnvelope(body: unknown) {
  expect(body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

// Gives one row a fresh stock in a running server's database, from outside.
// Only for rows no test has held yet: it resets the counts.
export async function setStock(url: string, productId: string, warehouseId: string, total: number) {
  const client = createClient({ url, timeout: 5_000 });
  await client.execute({
    sql: `INSERT INTO inventory (product_id, warehouse_id, total, reserved, sold, updated_at)
          VALUES (:productId, :warehouseId, :total, 0, 0, 0)
          ON CONFLICT DO UPDATE SET total = :total, reserved = 0, sold = 0`,
    args: { total, productId, warehouseId },
  });
  client.close();
}

export async function snapshot(url: string) {
  const client = createClient({ url, timeout: 5_000 });
  const result = await client.batch(
    [
      "SELECT product_id, warehouse_id, total, reserved, sold FROM inventory ORDER BY 1, 2",
      "SELECT count(*) AS n FROM reservations",
      "SELECT count(*) AS n FROM events",
      "SELECT count(*) AS n FROM idempotency_keys",
    ],
    "read",
  );
  client.close();
  return JSON.stringify(result.map((r) => r.rows));
}

// Ends a hold's window now, as if its time had run out: tests move time in
// the data rather than sleeping.
export async function expireNow(url: string, reservationId: string) {
  const client = createClient({ url, timeout: 5_000 });
  await client.execute({
    sql: "UPDATE reservations SET expires_at = :now, created_at = :now - 1 WHERE id = :id",
    args: { id: reservationId, now: Date.now() },
  });
  client.close();
}

// The signed session cookie a browser with this holder id would carry.
export async function sessionCookie(holderId: string): Promise<string> {
  const storage = createCookieSessionStorage({
    cookie: { name: "__holdfast", secrets: [testSecrets.SESSION_SECRET], sameSite: "lax", path: "/", httpOnly: true },
  });
  const session = await storage.getSession();
  session.set("holderId", holderId);
  return (await storage.commitSession(session)).split(";")[0]!;
}
