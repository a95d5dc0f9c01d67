import { describe, expect, test } from "vitest";
import { createRateLimiter } from "~/http/rate-limit.server";
import { paymentReference } from "~/models/reservation";
import { call } from "../helpers/api";
import { testDatabaseUrl } from "../helpers/database";
import { rawRequest } from "../helpers/raw-http";
import { noClientLimits, startServer } from "../helpers/server";

// Who the client is (its address and protocol, and what headers may say
// about them), the rate limit on every write, and what the server says when
// something goes wrong: the rest of the attacks, each with its own server.

const line = { productId: "lumen-desk-lamp", warehouseId: "del-01", quantity: 1 };
const json = { "Content-Type": "application/json" };
describe("the client's address and protocol", () => {
  test("without TRUST_PROXY, Fly-Client-IP and X-Forwarded-Proto are ignored: rotating them lifts no limit", async () => {
    const server = await startServer({
      DATABASE_URL: testDatabaseUrl(),
      ...noClientLimits,
      RATE_LIMIT_PER_MINUTE: "5",
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const answer = await rawRequest(server.url, "/api/reservations", {
          method: "POST",
          headers: { ...json, "Fly-Client-IP": `10.0.${i}.1`, "X-Forwarded-For": `10.1.${i}.1` },
          body: JSON.stringify(line),
        });
        statuses.push(answer.status);
      }
      expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429, 429]);
      // a header cannot make the cookie Secure on plain HTTP either
      const form = await rawRequest(server.url, "/products/lumen-desk-lamp", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-Proto": "https" },
        body: "warehouseId=del-01&quantity=1",
      });
      expect(String(form.headers["set-cookie"])).not.toMatch(/;\s*Secure/i);
    } finally {
      await server.stop();
    }
  });

  test("with TRUST_PROXY (Fly), the proxy's Fly-Client-IP is the client and X-Forwarded-Proto its protocol", async () => {
    const server = await startServer({
      DATABASE_URL: testDatabaseUrl(),
      ...noClientLimits,
      RATE_LIMIT_PER_MINUTE: "2",
      TRUST_PROXY: "true",
    });
    try {
      const hold = (address: string) =>
        rawRequest(server.url, "/api/reservations", {
          method: "POST",
          headers: { ...json, "Fly-Client-IP": address },
          body: JSON.stringify(line),
        }).then((a) => a.status);
      expect([await hold("203.0.113.1"), await hold("203.0.113.1"), await hold("203.0.113.1")]).toEqual([
        201, 201, 429,
      ]);
      expect(await hold("203.0.113.2")).toBe(201);
      // one IPv6 subscriber is its /64, whatever address in it they use
      expect([
        await hold("2001:db8:1:2::1"),
        await hold("2001:db8:1:2:ffff::9"),
        await hold("2001:db8:1:2::3"),
      ]).toEqual([201, 201, 429]);
      const form = await rawRequest(server.url, "/products/lumen-desk-lamp", {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "Fly-Client-IP": "203.0.113.9",
          "X-Forwarded-Proto": "https",
          Origin: `https://${new URL(server.url).host}`,
        },
        body: "warehouseId=del-01&quantity=1",
      });
      expect(form.status).toBe(302);
      expect(String(form.headers["set-cookie"])).toMatch(/;\s*Secure/i);
    } finally {
      await server.stop();
    }
  });

  test("the limiter remembers a bounded number of addresses", () => {
    const limiter = createRateLimiter(10, { maxKeys: 1_000 });
    for (let i = 0; i < 30_000; i++) limiter.take(`address-${i}`, 0);
    expect(limiter.size()).toBe(1_000);
    // the most recent ones are the ones kept, with their spent tokens
    for (let i = 0; i < 9; i++) limiter.take("address-29999", 0);
    expect(limiter.take("address-29999", 0)).not.toBeNull();
  });
});

describe("every route that writes is rate limited", () => {
  test("confirm, release and extend count against RATE_LIMIT_PER_MINUTE; a replay costs nothing", async () => {
    const url = testDatabaseUrl();
    const server = await startServer({ DATABASE_URL: url, ...noClientLimits, RATE_LIMIT_PER_MINUTE: "4" });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const answer = await call(server.url, `/api/reservations/${crypto.randomUUID()}/confirm`, { method: "POST" });
        statuses.push(answer.status);
      }
      expect(statuses).toEqual([404, 404, 404, 404, 429, 429]);
    } finally {
      await server.stop();
    }
  });
});

describe("the paid screen's reference", () => {
  test("tells apart holds made in the same millisecond", () => {
    const ids = ["019a2325-b417-74c2-8db6-e0bcd7450f8a", "019a2325-b417-7a11-9c3e-0f1e2d3c4b5a"];
    const references = ids.map(paymentReference);
    expect(references[0]).toBe("HF-E0BC-D745-0F8A");
    expect(new Set(references).size).toBe(2);
  });
});

describe("no stack trace in any mode", () => {
  test("plain npm start (no NODE_ENV): a malformed path and a cross-site post are plain answers", async () => {
    // what plain `npm start` runs as: NODE_ENV unset is development
    const server = await startServer({ DATABASE_URL: testDatabaseUrl(), NODE_ENV: "development" });
    try {
      for (const path of ["/products/%", "/%", "/api/products/%", "/products/%E0%A4%A", "/reservations/%/events"]) {
        const answer = await rawRequest(server.url, path);
        expect(answer.status, path).toBeGreaterThanOrEqual(400);
        expect(answer.status, path).toBeLessThan(500);
        expect(answer.text, path).not.toMatch(/\bat .*\.(js|ts):\d+/);
        expect(answer.text, path).not.toMatch(/URIError|TypeError/);
      }
      const crossSite = await rawRequest(server.url, "/products/lumen-desk-lamp", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: "https://evil.example" },
        body: "warehouseId=del-01&quantity=1",
      });
      expect(crossSite.status).toBe(403);
      expect(server.logs()).not.toMatch(/\n\s+at /);
    } finally {
      await server.stop();
    }
  });
});
