import { createClient } from "@libsql/client";
import { createCookieSessionStorage } from "@remix-run/node";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { call, setStock, snapshot } from "../helpers/api";
import { testDatabaseUrl } from "../helpers/database";
import { readUntil } from "../helpers/raw-http";
import { noClientLimits, startServer, testSecrets, type RunningServer } from "../helpers/server";

// The console's pages over HTTP: who may see them, what signing in sets,
// and that its forms change the books the way the admin API does.

let server: RunningServer;
const url = testDatabaseUrl();

beforeAll(async () => {
  server = await startServer({ DATABASE_URL: url, ...noClientLimits });
  await setStock(url, "saffron-notebook", "del-01", 10);
});
afterAll(async () => {
  await server.stop();
});

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const formHeaders = { "Content-Type": "application/x-www-form-urlencoded" };

async function signIn(fields: Record<string, string> = {}) {
  return fetch(`${server.url}/admin/login`, {
    method: "POST",
    redirect: "manual",
    headers: formHeaders,
    body: form({ token: testSecrets.ADMIN_TOKEN, name: "Meera", timeZone: "Asia/Kolkata", ...fields }),
  });
}

async function cookieOf(response: Response): Promise<string> {
  const setCookie = response.headers.get("set-cookie") ?? "";
  expect(setCookie).toMatch(/^__holdfast_operator=/);
  return setCookie.split(";")[0]!;
}

async function rowCounts(productId: string, warehouseId: string) {
  const client = createClient({ url });
  const result = await client.execute({
    sql: "SELECT total, reserved, sold FROM inventory WHERE product_id = ? AND warehouse_id = ?",
    args: [productId, warehouseId],
  });
  client.close();
  return result.rows[0];
}

describe("signing in", () => {
  test("a console page without the cookie sends the browser to the login and back", async () => {
    for (const path of [
      "/admin",
      "/admin/products",
      "/admin/holds?status=pending",
      "/admin/products/saffron-notebook",
    ]) {
      const response = await fetch(`${server.url}${path}`, { redirect: "manual" });
      expect(response.status, path).toBe(302);
      expect(response.headers.get("location")).toBe(`/admin/login?${new URLSearchParams({ next: path })}`);
    }
  });

  test("the right token sets a signed, httpOnly, SameSite=Strict cookie for 12 hours and goes where it was asked", async () => {
    const response = await signIn({ next: "/admin/holds?status=pending" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/admin/holds?status=pending");
    const setCookie = response.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\/;/);
    expect(setCookie).toMatch(/Max-Age=43200/);
    const page = await fetch(`${server.url}/admin/holds`, { headers: { Cookie: await cookieOf(response) } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Signed in as <strong");
    // operators' data is never kept by a cache, nor is the login form
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect((await fetch(`${server.url}/admin/login`)).headers.get("cache-control")).toBe("no-store");
  });

  test("the way back is only ever a console page of this site", async () => {
    for (const next of ["https://evil.example/admin", "//evil.example/admin", "/products", "/administrator"]) {
      const response = await signIn({ next });
      expect(response.headers.get("location"), next).toBe("/admin");
    }
  });

  test("a wrong token is refused with 401, and after ten in a row the address waits", async () => {
    const isolated = await startServer({ DATABASE_URL: testDatabaseUrl(), ...noClientLimits });
    try {
      const attempt = () =>
        fetch(`${isolated.url}/admin/login`, {
          method: "POST",
          redirect: "manual",
          headers: formHeaders,
          body: form({ token: "a-wrong-token-of-some-length", name: "Meera" }),
        });
      const first = await attempt();
      expect(first.status).toBe(401);
      expect(first.headers.get("set-cookie")).toBeNull();
      expect(await first.text()).toContain("That token is not the shop&#x27;s ADMIN_TOKEN.");
      for (let i = 0; i < 9; i++) await attempt();
      const waited = await attempt();
      expect(waited.status).toBe(429);
      expect(Number(waited.headers.get("retry-after"))).toBeGreaterThan(0);
      // the right token does not get round the wait either
      const right = await fetch(`${isolated.url}/admin/login`, {
        method: "POST",
        redirect: "manual",
        headers: formHeaders,
        body: form({ token: testSecrets.ADMIN_TOKEN, name: "Meera" }),
      });
      expect(right.status).toBe(429);
    } finally {
      await isolated.stop();
    }
  });

  test("a bad name or time zone is a 400 that says which", async () => {
    const badName = await signIn({ name: "<script>" });
    expect(badName.status).toBe(400);
    expect(await badName.text()).toContain("Your name: letters, digits");
    const badZone = await signIn({ timeZone: "Mars/Olympus_Mons" });
    expect(badZone.status).toBe(400);
    expect(await badZone.text()).toContain("Choose a time zone");
  });

  test("a forged or tampered cookie is no sign-in", async () => {
    const cookie = await cookieOf(await signIn());
    const tampered = cookie.replace(/.$/, (c) => (c === "A" ? "B" : "A"));
    // a whole, well-formed session, signed with a secret that is not the shop's
    const forger = createCookieSessionStorage({
      cookie: { name: "__holdfast_operator", secrets: ["not-the-session-secret-0123456789"] },
    });
    const session = await forger.getSession();
    for (const [key, value] of Object.entries({
      operator: "Mallory",
      timeZone: "UTC",
      since: Date.now(),
      token: "guessed-fingerprint",
    })) {
      session.set(key, value);
    }
    const forged = (await forger.commitSession(session)).split(";")[0]!;
    for (const value of [tampered, forged]) {
      const response = await fetch(`${server.url}/admin`, { redirect: "manual", headers: { Cookie: value } });
      expect(response.status).toBe(302);
    }
  });

  test("signing out is a POST, and ends the session in the browser", async () => {
    const cookie = await cookieOf(await signIn());
    const get = await fetch(`${server.url}/admin/logout`, { redirect: "manual", headers: { Cookie: cookie } });
    expect(get.status).toBe(302);
    expect(get.headers.get("set-cookie")).toBeNull();
    const out = await fetch(`${server.url}/admin/logout`, {
      method: "POST",
      redirect: "manual",
      headers: { Cookie: cookie },
    });
    expect(out.status).toBe(302);
    expect(out.headers.get("location")).toBe("/admin/login");
    expect(out.headers.get("set-cookie")).toMatch(/__holdfast_operator=;.*Expires=Thu, 01 Jan 1970/);
  });
});

describe("the console's forms", () => {
  test("a form from another site is refused before it is read", async () => {
    const cookie = await cookieOf(await signIn());
    const response = await fetch(`${server.url}/admin/products/saffron-notebook`, {
      method: "POST",
      redirect: "manual",
      headers: { ...formHeaders, Cookie: cookie, Origin: "https://evil.example" },
      body: form({ intent: "restock", warehouseId: "del-01", how: "add", units: "5", reason: "received", note: "" }),
    });
    expect(response.status).toBe(403);
    expect((await rowCounts("saffron-notebook", "del-01"))?.total).toBe(10);
  });

  test("a change without a sign-in goes to the login and changes nothing, on every console page", async () => {
    const changes: [string, Record<string, string>][] = [
      [
        "/admin/products/saffron-notebook",
        { intent: "restock", warehouseId: "del-01", how: "add", units: "5", reason: "received", note: "" },
      ],
      ["/admin/products/saffron-notebook", { intent: "edit", name: "Renamed", "was.name": "Saffron Notebook" }],
      ["/admin/products", { id: "sneaky-product", name: "Sneaky", description: "x", price: "1", category: "x" }],
      ["/admin/holds", { intent: "release", id: "01930000-0000-7000-8000-000000000000", reason: "x" }],
      ["/admin/warehouses", { intent: "create", id: "sneaky-01", name: "Sneaky", city: "Nowhere" }],
      ["/admin?index", { intent: "check" }],
    ];
    const before = await snapshot(url);
    for (const [path, fields] of changes) {
      const response = await fetch(`${server.url}${path}`, {
        method: "POST",
        redirect: "manual",
        headers: formHeaders,
        body: form(fields),
      });
      expect(response.status, path).toBe(302);
      expect(response.headers.get("location"), path).toMatch(/^\/admin\/login\?next=/);
    }
    for (const path of ["/admin/audit.csv", "/admin/audit", "/admin/warehouses"]) {
      const response = await fetch(`${server.url}${path}`, { redirect: "manual" });
      expect(response.status, path).toBe(302);
    }
    expect(await snapshot(url)).toBe(before);
  });

  test("saving a product's details sends only what the operator changed: an archive made meanwhile stays", async () => {
    const cookie = await cookieOf(await signIn());
    // the form as the page showed it, before someone archived the product
    const shown = {
      name: "Saffron Notebook",
      category: "Desk",
      price: "499.00",
      currency: "INR",
      lowStockThreshold: "5",
      description: "A notebook.",
      imageUrl: "/images/products/saffron-notebook.svg",
      archived: "false",
    };
    const archived = await call(server.url, "/api/admin/products/saffron-notebook", {
      method: "PATCH",
      body: { archived: true },
      headers: { Authorization: `Bearer ${testSecrets.ADMIN_TOKEN}` },
    });
    expect(archived.status).toBe(200);
    const save = await fetch(`${server.url}/admin/products/saffron-notebook`, {
      method: "POST",
      headers: { ...formHeaders, Cookie: cookie },
      body: form({
        intent: "edit",
        ...shown,
        lowStockThreshold: "8",
        ...Object.fromEntries(Object.entries(shown).map(([key, value]) => [`was.${key}`, value])),
      }),
    });
    expect(save.status).toBe(200);
    expect(await save.text()).toContain("Saved.");
    const product = await call(server.url, "/api/products/saffron-notebook");
    expect(product.status).toBe(404);
    const client = createClient({ url });
    const row = await client.execute(
      "SELECT archived, low_stock_threshold, name FROM products WHERE id = 'saffron-notebook'",
    );
    client.close();
    expect(row.rows[0]).toMatchObject({ archived: 1, low_stock_threshold: 8 });
    await call(server.url, "/api/admin/products/saffron-notebook", {
      method: "PATCH",
      body: { archived: false },
      headers: { Authorization: `Bearer ${testSecrets.ADMIN_TOKEN}` },
    });
  });

  test("a restock is recorded with the signed-in operator's name; a bad one is a 400 that changes nothing", async () => {
    const cookie = await cookieOf(await signIn({ name: "Meera K" }));
    const post = (fields: Record<string, string>) =>
      fetch(`${server.url}/admin/products/saffron-notebook`, {
        method: "POST",
        headers: { ...formHeaders, Cookie: cookie },
        body: form({ intent: "restock", warehouseId: "del-01", reason: "received", note: "", ...fields }),
      });
    const bad = await post({ how: "add", units: "-3" });
    expect(bad.status).toBe(400);
    expect((await rowCounts("saffron-notebook", "del-01"))?.total).toBe(10);

    const good = await post({ how: "add", units: "5", note: "PO 7" });
    expect(good.status).toBe(200);
    expect(await good.text()).toContain("Saved: total 10 → 15.");
    expect((await rowCounts("saffron-notebook", "del-01"))?.total).toBe(15);
    const ledger = await call(server.url, "/api/admin/events?productId=saffron-notebook&type=stock_adjusted", {
      headers: { Authorization: `Bearer ${testSecrets.ADMIN_TOKEN}` },
    });
    expect(JSON.stringify(ledger.body)).toContain('"operator":"Meera K"');
  });

  test("an operator's release from the holds page; the shopper's hold says the shop released it", async () => {
    const created = await call(server.url, "/api/reservations", {
      method: "POST",
      body: { productId: "saffron-notebook", warehouseId: "del-01", quantity: 2 },
    });
    const { reservation, holdToken } = created.body as { reservation: { id: string }; holdToken: string };
    const cookie = await cookieOf(await signIn());
    const release = (reason: string) =>
      fetch(`${server.url}/admin/holds`, {
        method: "POST",
        headers: { ...formHeaders, Cookie: cookie },
        body: form({ intent: "release", id: reservation.id, reason }),
      });
    expect((await release("  ")).status).toBe(400);
    const done = await release("stuck at the bank");
    expect(done.status).toBe(200);
    expect(await done.text()).toMatch(/Released HF-[0-9A-F-]+; its units are back on sale\./);
    const again = await release("twice");
    expect(again.status).toBe(409);

    const seen = await call(server.url, `/api/reservations/${reservation.id}`, {
      headers: { Authorization: `Bearer ${holdToken}` },
    });
    expect(seen.body).toMatchObject({ reservation: { status: "released", releasedBy: "shop" } });
  });
});

describe("the console's live stream", () => {
  test("needs a sign-in, and tells an open console that something happened", async () => {
    const refused = await fetch(`${server.url}/admin/live`);
    expect(refused.status).toBe(401);

    const cookie = await cookieOf(await signIn());
    const controller = new AbortController();
    const stream = await fetch(`${server.url}/admin/live?after=0`, {
      headers: { Cookie: cookie },
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toMatch(/text\/event-stream/);
    const reader = stream.body!.getReader();
    const change = /event: change\ndata: \{"id":(\d+)\}/;
    // behind from the start (after=0): told at once
    const first = await readUntil(reader, (text) => change.test(text));
    const seen = Number(change.exec(first)?.[1]);
    expect(seen).toBeGreaterThan(0);
    await call(server.url, "/api/reservations", {
      method: "POST",
      body: { productId: "saffron-notebook", warehouseId: "del-01", quantity: 1 },
    });
    const next = await readUntil(reader, (text) => change.test(text));
    expect(Number(change.exec(next)?.[1])).toBeGreaterThan(seen);
    controller.abort();
  });
});

describe("the dashboard", () => {
  test("lists the holds ending in the next two minutes soonest first", async () => {
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await call(server.url, "/api/reservations", {
        method: "POST",
        body: { productId: "saffron-notebook", warehouseId: "del-01", quantity: 1 },
      });
      made.push((created.body as { reservation: { id: string } }).reservation.id);
    }
    // the oldest ends first: the reverse of the holds list's newest-first order
    const client = createClient({ url });
    for (const [i, id] of made.entries()) {
      await client.execute({
        sql: "UPDATE reservations SET expires_at = ? WHERE id = ?",
        args: [Date.now() + 60_000 + i * 20_000, id],
      });
    }
    client.close();
    const cookie = await cookieOf(await signIn());
    const page = await (await fetch(`${server.url}/admin`, { headers: { Cookie: cookie } })).text();
    const section = page.slice(page.indexOf("Ending in the next two minutes"));
    const shown = made.map((id) => section.indexOf(id));
    expect(shown.every((at) => at > 0)).toBe(true);
    expect(shown[0]).toBeLessThan(shown[1]!);
    expect(shown[1]).toBeLessThan(shown[2]!);
  });
});
