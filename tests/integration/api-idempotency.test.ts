import { createHash } from "node:crypto";
import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { hashSecret } from "~/models/holder.server";
import { clientKeys } from "~/models/reservation.server";
import { bearer, call, sessionCookie, setStock } from "../helpers/api";
import { testDatabaseUrl } from "../helpers/database";
import { startServer, type RunningServer, noClientLimits } from "../helpers/server";

let server: RunningServer;
let base: string;
const url = testDatabaseUrl();
const line = { productId: "lumen-desk-lamp", warehouseId: "del-01", quantity: 1 };

beforeAll(async () => {
  server = await startServer({ DATABASE_URL: url, ...noClientLimits });
  base = server.url;
  await setStock(url, "lumen-desk-lamp", "del-01", 1_000);
});
afterAll(async () => {
  await server.stop();
});

async function reservationCount() {
  const client = createClient({ url });
  const result = await client.execute("SELECT count(*) AS n FROM reservations");
  client.close();
  return Number(result.rows[0]?.n);
}

const create = (key: string, body: unknown, headers: Record<string, string> = {}) =>
  call(base, "/api/reservations", { method: "POST", body, headers: { "Idempotency-Key": key, ...headers } });

describe("Idempotency-Key on POST /api/reservations", () => {
  test("a repeat with the same key and body replays the first answer", async () => {
    const before = await reservationCount();
    const first = await create("replay-1", line);
    const again = await create("replay-1", line);

    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    // the same hold, but never its token a second time (see the security tests)
    expect(again.body).toEqual({ ...(first.body as object), holdToken: null });
    expect(again.headers.get("idempotent-replay")).toBe("true");
    expect(first.headers.get("idempotent-replay")).toBeNull();
    expect(await reservationCount()).toBe(before + 1);
  });

  test("the same key with another body is 409 idempotency_conflict", async () => {
    await create("conflict-1", line);
    const other = await create("conflict-1", { ...line, quantity: 2 });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ error: { code: "idempotency_conflict" } });
  });

  test("ten identical requests at once: one runs, nine wait and replay it", async () => {
    const before = await reservationCount();
    const answers = await Promise.all(Array.from({ length: 10 }, () => create("burst-1", line)));

    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    const reservations = answers.map((a) => (a.body as { reservation: unknown }).reservation);
    expect(new Set(reservations.map((r) => JSON.stringify(r))).size).toBe(1);
    const replays = answers.filter((a) => a.headers.get("idempotent-replay") === "true");
    expect(replays).toHaveLength(9);
    expect(replays.every((a) => (a.body as { holdToken: unknown }).holdToken === null)).toBe(true);
    expect(await reservationCount()).toBe(before + 1);
  });

  test("while the first is still running, a repeat waits up to 5 s, then 425", async () => {
    const cookie = await sessionCookie("slow-client");
    const body = JSON.stringify(line);
    // the first request is in flight in another process: its key is taken
    // and no answer is stored yet
    const client = createClient({ url });
    const requestHash = createHash("sha256").update(`POST /api/reservations\n${body}`).digest("hex");
    await client.execute({
      sql: "INSERT INTO idempotency_keys (scope, key, request_hash, created_at) VALUES (:scope, 'slow-1', :hash, :now)",
      args: {
        scope: `reserve:${clientKeys({ sessionHash: hashSecret("slow-client"), address: "127.0.0.1" }).clientKey}`,
        hash: requestHash,
        now: Date.now(),
      },
    });
    client.close();

    const started = Date.now();
    const answer = await create("slow-1", body, { Cookie: cookie });

    expect(answer.status).toBe(425);
    expect(answer.body).toMatchObject({ error: { code: "idempotency_in_progress" } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
  });

  test("keys are scoped: another client's same key runs afresh and never sees the first answer", async () => {
    const a = await create("shared-key", line, { Cookie: await sessionCookie("client-a") });
    const b = await create("shared-key", line, { Cookie: await sessionCookie("client-b") });

    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers.get("idempotent-replay")).toBeNull();
    expect(b.text).not.toBe(a.text);
  });

  test("a malformed key is 400", async () => {
    const answer = await create("x".repeat(300), line);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({
      error: { code: "validation_error", message: expect.stringContaining("Idempotency-Key") },
    });
  });
});

describe("Idempotency-Key on confirm", () => {
  test("a retried confirm replays its success instead of answering invalid_state", async () => {
    const created = await call(base, "/api/reservations", { method: "POST", body: line });
    const { reservation, holdToken } = created.body as { reservation: { id: string }; holdToken: string };
    const confirm = () =>
      call(base, `/api/reservations/${reservation.id}/confirm`, {
        method: "POST",
        headers: { ...bearer(holdToken), "Idempotency-Key": "pay-1" },
      });

    const first = await confirm();
    const retry = await confirm();

    expect(first.status).toBe(200);
    expect(retry.status).toBe(200);
    expect(retry.headers.get("idempotent-replay")).toBe("true");
    const plain = await call(base, `/api/reservations/${reservation.id}/confirm`, {
      method: "POST",
      headers: bearer(holdToken),
    });
    expect(plain.status).toBe(409);
  });
});

describe("rate limit", () => {
  test("creating holds past RATE_LIMIT_PER_MINUTE is 429 with Retry-After; replays do not count", async () => {
    const limited = await startServer({ DATABASE_URL: testDatabaseUrl(), RATE_LIMIT_PER_MINUTE: "3" });
    try {
      const hold = (key?: string) =>
        call(limited.url, "/api/reservations", {
          method: "POST",
          body: { productId: "aurora-headphones", warehouseId: "blr-01", quantity: 1 },
          headers: key ? { "Idempotency-Key": key } : {},
        });
      expect((await hold("one")).status).toBe(201);
      expect((await hold("one")).status).toBe(201);
      expect((await hold()).status).toBe(201);
      expect((await hold()).status).toBe(201);
      const refused = await hold();
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ error: { code: "rate_limited" } });
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    } finally {
      await limited.stop();
    }
  });

  test("the shop's reserve form counts against the same limit", async () => {
    const limited = await startServer({ DATABASE_URL: testDatabaseUrl(), RATE_LIMIT_PER_MINUTE: "2" });
    try {
      const post = () =>
        fetch(`${limited.url}/products/aurora-headphones`, {
          method: "POST",
          body: new URLSearchParams({ warehouseId: "blr-01", quantity: "1" }),
          redirect: "manual",
        });
      expect((await post()).status).toBe(302);
      expect((await post()).status).toBe(302);
      const refused = await post();
      expect(refused.status).toBe(429);
      expect(await refused.text()).toContain("Too many holds from your network");
    } finally {
      await limited.stop();
    }
  });
});
