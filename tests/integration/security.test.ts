import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { bearer, call, sessionCookie, setStock } from "../helpers/api";
import { testDatabaseUrl } from "../helpers/database";
import { rawRequest } from "../helpers/raw-http";
import { noClientLimits, startServer, type RunningServer } from "../helpers/server";

// Each attack a stranger with curl tried on the shop, as a test that the
// shop now turns it away: these share one server; client-identity.test.ts
// has the ones that need a server of their own.

const line = { productId: "lumen-desk-lamp", warehouseId: "del-01", quantity: 1 };
const json = { "Content-Type": "application/json" };

async function count(url: string, sql: string): Promise<number> {
  const client = createClient({ url });
  const result = await client.execute(sql);
  client.close();
  return Number(result.rows[0]?.[0]);
}

describe("one shared server", () => {
  let server: RunningServer;
  const url = testDatabaseUrl();
  beforeAll(async () => {
    server = await startServer({ DATABASE_URL: url, ...noClientLimits });
    await setStock(url, "lumen-desk-lamp", "del-01", 1_000);
  });
  afterAll(async () => {
    await server.stop();
  });

  test("two clients behind one address with the same Idempotency-Key: the second never gets the first one's token", async () => {
    const key = "shared-behind-nat-0001";
    const first = await call(server.url, "/api/reservations", {
      method: "POST",
      body: line,
      headers: { "Idempotency-Key": key },
    });
    const second = await call(server.url, "/api/reservations", {
      method: "POST",
      body: line,
      headers: { "Idempotency-Key": key },
    });
    const { reservation, holdToken } = first.body as { reservation: { id: string }; holdToken: string };

    expect(first.status).toBe(201);
    expect(holdToken).toMatch(/^[\w-]{40,}$/);
    expect(second.headers.get("idempotent-replay")).toBe("true");
    expect(second.body).toMatchObject({ reservation: { id: reservation.id }, holdToken: null });
    expect(second.text).not.toContain(holdToken);
    // without the token the second client cannot touch the hold…
    const stranger = await call(server.url, `/api/reservations/${reservation.id}/release`, { method: "POST" });
    expect(stranger.status).toBe(404);
    // …and the token is stored nowhere, so no replay can ever carry it
    const stored = createClient({ url });
    const rows = await stored.execute("SELECT response_body FROM idempotency_keys");
    stored.close();
    expect(rows.rows.some((r) => String(r.response_body).includes(holdToken))).toBe(false);
    const confirmed = await call(server.url, `/api/reservations/${reservation.id}/confirm`, {
      method: "POST",
      headers: bearer(holdToken),
    });
    expect(confirmed.status).toBe(200);
  });

  test("a browser session's key is its own: another session with the same key gets a hold of its own", async () => {
    const key = "session-scoped-0001";
    const a = await call(server.url, "/api/reservations", {
      method: "POST",
      body: line,
      headers: { "Idempotency-Key": key, Cookie: await sessionCookie("session-a") },
    });
    const b = await call(server.url, "/api/reservations", {
      method: "POST",
      body: line,
      headers: { "Idempotency-Key": key, Cookie: await sessionCookie("session-b") },
    });
    expect(b.headers.get("idempotent-replay")).toBeNull();
    expect((b.body as { reservation: { id: string } }).reservation.id).not.toBe(
      (a.body as { reservation: { id: string } }).reservation.id,
    );
  });

  test("made-up ids with fresh Idempotency-Keys leave nothing stored", async () => {
    const before = await count(url, "SELECT count(*) FROM idempotency_keys");
    const garbage = "a".repeat(4_000);
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => {
        const id = i % 2 === 0 ? garbage : crypto.randomUUID();
        return rawRequest(server.url, `/api/reservations/${id}/confirm`, {
          method: "POST",
          headers: { "Idempotency-Key": `fresh-key-${i}-000000` },
        });
      }),
    );
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([404]));
    expect(await count(url, "SELECT count(*) FROM idempotency_keys")).toBe(before);
  });

  test("a body that is not application/json is 415, so a page elsewhere cannot post one without asking", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      const answer = await rawRequest(server.url, "/api/reservations", {
        method: "POST",
        headers: { "Content-Type": type, Cookie: await sessionCookie("victim") },
        body: JSON.stringify(line),
      });
      expect(answer.status).toBe(415);
      expect(JSON.parse(answer.text)).toMatchObject({ error: { code: "unsupported_media_type" } });
    }
    // no body and no type (curl's plain POST) is still fine
    const empty = await rawRequest(server.url, `/api/reservations/${crypto.randomUUID()}/release`, { method: "POST" });
    expect(empty.status).toBe(404);
  });

  test("a page's action takes its own forms only: JSON or text is 415, never a failure inside the route", async () => {
    const cookie = await sessionCookie("victim");
    for (const path of ["/cart", "/products/lumen-desk-lamp", `/reservations/${crypto.randomUUID()}`, "/admin/login"]) {
      const bodies: { type?: string; body?: string }[] = [
        { type: "application/json", body: JSON.stringify({ intent: "hold", revision: 1 }) },
        { type: "text/plain", body: "intent=hold" },
        { body: "intent=hold" },
      ];
      for (const { type, body } of bodies) {
        const answer = await rawRequest(server.url, path, {
          method: "POST",
          headers: { ...(type ? { "Content-Type": type } : {}), Cookie: cookie },
          body,
        });
        expect(answer.status, `${path} ${type ?? "no type"}`).toBe(415);
        expect(answer.text).toContain("A page takes its own forms only.");
      }
    }
    // no body at all is an empty form, which the page's own checks answer
    const bare = await rawRequest(server.url, "/cart", { method: "POST", headers: { Cookie: cookie } });
    expect(bare.status).toBe(400);
  });

  test("writes from another site are 403, with the session cookie or without, API and shop alike", async () => {
    const cookie = await sessionCookie("victim");
    const attempts: { path: string; headers: Record<string, string> }[] = [
      { path: "/api/reservations", headers: { ...json, Origin: "https://evil.example", Cookie: cookie } },
      { path: "/api/reservations", headers: { ...json, Origin: "null" } },
      { path: "/api/reservations", headers: { ...json, "Sec-Fetch-Site": "cross-site", Cookie: cookie } },
      {
        path: "/products/lumen-desk-lamp",
        headers: { Origin: "https://evil.example", "Content-Type": "application/x-www-form-urlencoded" },
      },
      {
        path: "/products/lumen-desk-lamp",
        headers: { "Sec-Fetch-Site": "same-site", "Content-Type": "application/x-www-form-urlencoded" },
      },
    ];
    const before = await count(url, "SELECT count(*) FROM reservations");
    for (const { path, headers } of attempts) {
      const body = path.startsWith("/api/") ? JSON.stringify(line) : "warehouseId=del-01&quantity=1";
      const answer = await rawRequest(server.url, path, { method: "POST", headers, body });
      expect(answer.status, `${path} ${JSON.stringify(headers)}`).toBe(403);
      expect(answer.text).not.toMatch(/\n\s+at /);
    }
    expect(await count(url, "SELECT count(*) FROM reservations")).toBe(before);
    // the site's own pages still post
    const own = await rawRequest(server.url, "/api/reservations", {
      method: "POST",
      headers: { ...json, Origin: server.url, "Sec-Fetch-Site": "same-origin" },
      body: JSON.stringify(line),
    });
    expect(own.status).toBe(201);
    expect(server.logs()).not.toMatch(/\n\s+at .*\(/);
  });

  test("a form post past the body limit is 413 before anything is parsed, chunked or not", async () => {
    const huge = `warehouseId=del-01&quantity=1&pad=${"a".repeat(2 * 1024 * 1024)}`;
    const sized = await rawRequest(server.url, "/products/lumen-desk-lamp", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": String(huge.length) },
      body: huge,
    });
    expect(sized.status).toBe(413);
    const chunked = await rawRequest(server.url, "/products/lumen-desk-lamp", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Transfer-Encoding": "chunked" },
      body: huge,
    });
    expect(chunked.status).toBe(413);
    const api = await rawRequest(server.url, "/api/reservations", {
      method: "POST",
      headers: { ...json, "Transfer-Encoding": "chunked" },
      body: `{"pad":"${"a".repeat(200_000)}"}`,
    });
    expect(api.status).toBe(413);
    expect(JSON.parse(api.text)).toMatchObject({ error: { code: "payload_too_large" } });
  });

  test("a malformed product id on a shop page never reaches SQL: 404, and the holds beside it go through", async () => {
    const holds = Array.from({ length: 20 }, () =>
      call(server.url, "/api/reservations", { method: "POST", body: line }),
    );
    const bad = ['a"b', "a'b", "a%22%5D", "%", "x".repeat(300)].map((id) =>
      rawRequest(server.url, `/products/${id}`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: "warehouseId=del-01&quantity=1",
      }),
    );
    const [good, refused] = await Promise.all([Promise.all(holds), Promise.all(bad)]);
    expect(good.every((a) => a.status === 201)).toBe(true);
    expect(refused.map((a) => a.status)).toEqual([404, 404, 404, 404, 404]);
    expect(server.logs()).not.toContain("retrying each");
  });

  test("only GET, HEAD and POST (and PATCH and DELETE in the API): PUT, PATCH, DELETE, OPTIONS and TRACE are 405, never a 500 or a hold", async () => {
    const before = await count(url, "SELECT count(*) FROM reservations");
    for (const method of ["PUT", "PATCH", "DELETE", "OPTIONS"]) {
      for (const path of ["/products/lumen-desk-lamp", "/api/reservations"]) {
        const body = "warehouseId=del-01&quantity=1";
        // Node's client frames a DELETE or OPTIONS body only when told its length
        const answer = await rawRequest(server.url, path, {
          method,
          headers: { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": String(body.length) },
          body,
        });
        expect(answer.status, `${method} ${path}`).toBe(405);
        // the API's edits take PATCH and its removals DELETE, so a route
        // that does not says what it takes
        const allowed = !path.startsWith("/api/")
          ? "GET, HEAD, POST"
          : method === "PATCH" || method === "DELETE"
            ? "POST"
            : "GET, HEAD, POST, PATCH, DELETE";
        expect(answer.headers.allow).toBe(allowed);
      }
    }
    const trace = await rawRequest(server.url, "/api/reservations", { method: "TRACE" });
    expect(trace.status).toBe(405);
    expect(await count(url, "SELECT count(*) FROM reservations")).toBe(before);
    expect(server.logs()).not.toContain("request failed");
  });

  test("a Host header that is no host does not break the answer", async () => {
    for (const host of ["1.2.3.999", "[::1", "a..b", "x".repeat(300)]) {
      const answer = await rawRequest(server.url, "/api/products/lumen-desk-lamp", { headers: { Host: host } });
      expect(answer.status, host).toBe(200);
    }
    expect(server.logs()).not.toContain("request failed");
  });

  test("a refusal sent before a huge body was read closes the connection behind it", async () => {
    const answer = await rawRequest(server.url, "/products/lumen-desk-lamp", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Content-Length": String(100 * 1024 * 1024) },
      body: "warehouseId=del-01&quantity=1",
    });
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe("close");
  });

  test("security headers on every answer; scripts carry the page's nonce", async () => {
    for (const path of [
      "/",
      "/products/lumen-desk-lamp",
      "/api/health",
      "/api/nope",
      "/does-not-exist",
      "/favicon.svg",
    ]) {
      const answer = await rawRequest(server.url, path);
      const csp = String(answer.headers["content-security-policy"]);
      if (path.startsWith("/api/")) {
        // JSON loads nothing at all
        expect(csp, path).toContain("default-src 'none'");
      } else {
        expect(csp, path).toContain("default-src 'self'");
        expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/);
      }
      expect(csp).toContain("frame-ancestors 'none'");
      expect(answer.headers["x-frame-options"]).toBe("DENY");
      expect(answer.headers["x-content-type-options"]).toBe("nosniff");
      expect(answer.headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
      expect(answer.headers["strict-transport-security"]).toContain("max-age=");
    }
    const page = await rawRequest(server.url, "/products/lumen-desk-lamp");
    const nonce = /'nonce-([^']+)'/.exec(String(page.headers["content-security-policy"]))![1]!;
    const scripts = page.text.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) expect(script).toContain(`nonce="${nonce}"`);
    const again = await rawRequest(server.url, "/products/lumen-desk-lamp");
    expect(String(again.headers["content-security-policy"])).not.toContain(nonce);
  });
});
