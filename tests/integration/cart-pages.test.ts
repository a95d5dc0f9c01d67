import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { hashSecret } from "~/models/holder.server";
import { sessionCookie, setStock, snapshot } from "../helpers/api";
import { testDatabaseUrl } from "../helpers/database";
import { noClientLimits, startServer, type RunningServer } from "../helpers/server";

// The shopper's cart over HTTP, as a browser without JavaScript uses it:
// plain form posts to the product page and to /cart, a redirect after each
// change, and "Hold my cart" once per revision however often it is sent.

const formHeaders = { "Content-Type": "application/x-www-form-urlencoded" };
// without JavaScript a cart form carries where to go afterwards
const back = { redirectTo: "/cart" };

let server: RunningServer;
const url = testDatabaseUrl();

beforeAll(async () => {
  server = await startServer({ DATABASE_URL: url, ...noClientLimits });
  await setStock(url, "juniper-desk-lamp", "blr-01", 50);
  await setStock(url, "juniper-desk-lamp", "mum-01", 50);
  await setStock(url, "coral-backpack", "del-01", 50);
  await setStock(url, "basalt-scented-candle", "mum-01", 1);
  await setStock(url, "basalt-scented-candle", "hyd-01", 20);
  await setStock(url, "basalt-scented-candle", "blr-01", 2);
});
afterAll(async () => {
  await server.stop();
});

function post(base: string, path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(`${base}${path}`, {
    method: "POST",
    redirect: "manual",
    headers: { ...formHeaders, ...headers },
    body: new URLSearchParams(fields),
  });
}

// a page's text says this (without printing the whole page when it does not)
function expectText(text: string, expected: string) {
  expect(text.includes(expected), `expected the page to say ${JSON.stringify(expected)}`).toBe(true);
}

// the page's text as a shopper reads it: React escapes quotes, and marks
// where one text node ends and the next begins
async function textOf(response: Response): Promise<string> {
  return (await response.text())
    .replace(/<!-- -->/g, "")
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");
}

async function cartPage(cookie: string, base = server.url) {
  const response = await fetch(`${base}/cart`, { headers: { Cookie: cookie } });
  expect(response.status).toBe(200);
  const html = await textOf(response);
  const revision = /name="revision" value="(\d+)"/.exec(html)?.[1];
  return { html, revision: revision ?? null };
}

async function query(sql: string, args: Record<string, string> = {}, databaseUrl = url) {
  const client = createClient({ url: databaseUrl });
  try {
    return (await client.execute({ sql, args })).rows;
  } finally {
    client.close();
  }
}

const cartLines = async (holderId: string, databaseUrl = url) =>
  (
    await query(
      `SELECT product_id, warehouse_id, quantity FROM cart_lines WHERE session_hash = :session
       ORDER BY product_id, warehouse_id`,
      { session: hashSecret(holderId) },
      databaseUrl,
    )
  ).map((r) => `${String(r.product_id)}@${String(r.warehouse_id)}×${Number(r.quantity)}`);

const reservedAt = async (productId: string, warehouseId: string) =>
  Number(
    (
      await query("SELECT reserved FROM inventory WHERE product_id = :productId AND warehouse_id = :warehouseId", {
        productId,
        warehouseId,
      })
    )[0]?.reserved,
  );

const holdsOf = async (holderId: string) =>
  (await query("SELECT id FROM reservations WHERE session_hash = :session", { session: hashSecret(holderId) })).map(
    (r) => String(r.id),
  );

async function fill(holderId: string, lines: [productId: string, warehouseId: string, quantity: number][]) {
  const cookie = await sessionCookie(holderId);
  for (const [productId, warehouseId, quantity] of lines) {
    const added = await post(
      server.url,
      `/products/${productId}`,
      { intent: "cart", warehouseId, quantity: String(quantity), ...back },
      { Cookie: cookie },
    );
    expect(added.status).toBe(302);
  }
  return cookie;
}

describe("adding to the cart from the product page", () => {
  test("without JavaScript: the first add makes the session, puts the line in the cart and goes to the cart", async () => {
    const added = await post(server.url, "/products/juniper-desk-lamp", {
      intent: "cart",
      warehouseId: "mum-01",
      quantity: "2",
      ...back,
    });
    expect(added.status).toBe(302);
    expect(added.headers.get("location")).toBe("/cart");
    const setCookie = added.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/^__holdfast=.*HttpOnly/i);
    const cookie = setCookie.split(";")[0]!;

    const { html } = await cartPage(cookie);
    expectText(html, "Juniper Desk Lamp");
    expectText(html, "From Mumbai");
    expectText(html, 'aria-label="Cart, 2 items"');
    // the same cookie adds to the same cart, and gets no new session
    const again = await post(
      server.url,
      "/products/juniper-desk-lamp",
      { intent: "cart", warehouseId: "mum-01", quantity: "1", ...back },
      { Cookie: cookie },
    );
    expect(again.headers.get("set-cookie")).toBeNull();
    expectText((await cartPage(cookie)).html, 'aria-label="Cart, 3 items"');
    // nothing was held: a cart is only a list
    expect(await reservedAt("juniper-desk-lamp", "mum-01")).toBe(0);
  });

  test("a page's own fetcher (no redirectTo) gets the answer in place, and Reserve still reserves", async () => {
    const cookie = await sessionCookie("fetcher-browser");
    const added = await post(
      server.url,
      "/products/coral-backpack",
      { intent: "cart", warehouseId: "del-01", quantity: "1" },
      { Cookie: cookie },
    );
    expect(added.status).toBe(200);
    expectText(await textOf(added), "to your cart");
    expect(await cartLines("fetcher-browser")).toEqual(["coral-backpack@del-01×1"]);

    const reserved = await post(
      server.url,
      "/products/coral-backpack",
      { intent: "reserve", warehouseId: "del-01", quantity: "1" },
      { Cookie: cookie },
    );
    expect(reserved.status).toBe(302);
    expect(reserved.headers.get("location")).toMatch(/^\/reservations\//);
  });

  test("bad input is a 400 that says what is wrong, with no session and nothing stored", async () => {
    const before = await snapshot(url);
    const carts = await query("SELECT count(*) AS n FROM carts");
    const cases: [Record<string, string>, string][] = [
      [{ intent: "cart", warehouseId: "mum-01", quantity: "0" }, "Choose at least 1"],
      [{ intent: "cart", warehouseId: "mum-01", quantity: "101" }, "At most 100 at a time"],
      [{ intent: "cart", warehouseId: "mum-01", quantity: "two" }, "Enter a number"],
      [{ intent: "cart", warehouseId: "'; DROP TABLE carts", quantity: "1" }, "Choose a warehouse"],
      [{ intent: "wishlist", warehouseId: "mum-01", quantity: "1" }, "Choose Reserve or Add to cart."],
    ];
    for (const [fields, message] of cases) {
      const refused = await post(server.url, "/products/juniper-desk-lamp", { ...fields, ...back });
      expect(refused.status, JSON.stringify(fields)).toBe(400);
      expect(refused.headers.get("set-cookie")).toBeNull();
      const html = await textOf(refused);
      expectText(html, message);
      expect(html).not.toMatch(/\n\s+at /);
    }
    // a warehouse that does not stock it: refused by the cart, nothing in it
    const cookie = await sessionCookie("bad-input-browser");
    const unstocked = await post(
      server.url,
      "/products/coral-backpack",
      { intent: "cart", warehouseId: "mum-01", quantity: "1", ...back },
      { Cookie: cookie },
    );
    expect(unstocked.status).toBe(400);
    expectText(await textOf(unstocked), "That warehouse doesn't stock this product.");
    expect(await snapshot(url)).toBe(before);
    expect(await query("SELECT count(*) AS n FROM carts")).toEqual(carts);
  });
});

describe("the cart page", () => {
  test("with no session: the empty cart, with a way to the shop", async () => {
    const response = await fetch(`${server.url}/cart`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("private, no-store");
    const html = await textOf(response);
    expectText(html, "Your cart is empty");
    expectText(html, 'href="/products"');
    expectText(html, 'aria-label="Cart, 0 items"');
  });

  test("changing, moving and removing a line: each a redirect back to the cart", async () => {
    const cookie = await fill("editing-browser", [
      ["juniper-desk-lamp", "mum-01", 1],
      ["coral-backpack", "del-01", 2],
    ]);
    const edit = (fields: Record<string, string>) =>
      post(server.url, "/cart", { ...fields, ...back }, { Cookie: cookie });
    const lamp = { productId: "juniper-desk-lamp", warehouseId: "mum-01" };

    const set = await edit({ intent: "set", ...lamp, quantity: "4" });
    expect(set.status).toBe(302);
    expect(set.headers.get("location")).toBe("/cart");
    expect(await cartLines("editing-browser")).toEqual(["coral-backpack@del-01×2", "juniper-desk-lamp@mum-01×4"]);

    const moved = await edit({ intent: "move", ...lamp, toWarehouseId: "blr-01" });
    expect(moved.status).toBe(302);
    expect(await cartLines("editing-browser")).toEqual(["coral-backpack@del-01×2", "juniper-desk-lamp@blr-01×4"]);
    expectText((await cartPage(cookie)).html, "From Bengaluru");

    const removed = await edit({ intent: "remove", productId: "coral-backpack", warehouseId: "del-01" });
    expect(removed.status).toBe(302);
    expect(await cartLines("editing-browser")).toEqual(["juniper-desk-lamp@blr-01×4"]);

    // 0 takes a line out too
    const zero = await edit({ intent: "set", productId: "juniper-desk-lamp", warehouseId: "blr-01", quantity: "0" });
    expect(zero.status).toBe(302);
    expect(await cartLines("editing-browser")).toEqual([]);
    expectText((await cartPage(cookie)).html, "Your cart is empty");

    // a line that is not there (gone in another tab) is a 409 that says so
    const gone = await edit({ intent: "set", ...lamp, quantity: "2" });
    expect(gone.status).toBe(409);
    expectText(await textOf(gone), "That line isn't in your cart any more.");
  });

  test("bad input is a 400 that says what is wrong, and changes nothing", async () => {
    const cookie = await fill("bad-cart-input", [["juniper-desk-lamp", "blr-01", 2]]);
    const lamp = { productId: "juniper-desk-lamp", warehouseId: "blr-01" };
    const before = await snapshot(url);
    const revision = (await cartPage(cookie)).revision;
    const cases: [Record<string, string>, string][] = [
      [{ intent: "explode", ...lamp }, "That isn't something your cart can do."],
      [{ ...lamp, quantity: "1" }, "That isn't something your cart can do."],
      [{ intent: "set", ...lamp, quantity: "101" }, "Enter a quantity from 0 to 100"],
      [{ intent: "set", ...lamp, quantity: "-1" }, "Enter a quantity from 0 to 100"],
      [{ intent: "set", ...lamp, quantity: "" }, "Enter a quantity from 0 to 100"],
      [{ intent: "set", ...lamp, quantity: "1.5" }, "Enter a quantity from 0 to 100"],
      [{ intent: "set", productId: "../etc/passwd", warehouseId: "blr-01", quantity: "1" }, "isn't in your cart"],
      [{ intent: "move", ...lamp, toWarehouseId: "" }, "isn't in your cart"],
      [{ intent: "hold", revision: "soon", mode: "all" }, "Reload your cart and hold it again."],
      [{ intent: "hold", revision: revision ?? "1", mode: "everything" }, "Choose what to hold."],
    ];
    for (const [fields, message] of cases) {
      const refused = await post(server.url, "/cart", { ...fields, ...back }, { Cookie: cookie });
      expect(refused.status, JSON.stringify(fields)).toBe(400);
      const html = await textOf(refused);
      expectText(html, message);
      expect(html).not.toMatch(/\n\s+at /);
    }
    expect(await snapshot(url)).toBe(before);
    expect(await cartLines("bad-cart-input")).toEqual(["juniper-desk-lamp@blr-01×2"]);
    expect((await cartPage(cookie)).revision).toBe(revision);
    expect(server.logs()).not.toMatch(/\n\s+at .*\(/);
  });

  test("a form from another site is refused (403) before it is read, with the shopper's cookie or without", async () => {
    const cookie = await fill("cross-site-victim", [["juniper-desk-lamp", "blr-01", 1]]);
    const { revision } = await cartPage(cookie);
    const before = await snapshot(url);
    const senders: Record<string, string>[] = [
      { Origin: "https://evil.example", Cookie: cookie },
      { "Sec-Fetch-Site": "cross-site", Cookie: cookie },
      { Origin: "https://evil.example" },
    ];
    const forms: Record<string, string>[] = [
      { intent: "hold", revision: revision!, mode: "all" },
      { intent: "remove", productId: "juniper-desk-lamp", warehouseId: "blr-01", ...back },
    ];
    for (const headers of senders) {
      for (const fields of forms) {
        const refused = await post(server.url, "/cart", fields, headers);
        expect(refused.status, JSON.stringify(headers)).toBe(403);
        expect(await refused.text()).not.toMatch(/\n\s+at /);
      }
    }
    const added = await post(
      server.url,
      "/products/coral-backpack",
      { intent: "cart", warehouseId: "del-01", quantity: "1", ...back },
      { Origin: "https://evil.example", Cookie: cookie },
    );
    expect(added.status).toBe(403);
    expect(await snapshot(url)).toBe(before);
    expect(await cartLines("cross-site-victim")).toEqual(["juniper-desk-lamp@blr-01×1"]);
    expect((await cartPage(cookie)).revision).toBe(revision);
  });
});

describe("Hold my cart", () => {
  test("holds every line as one hold and goes to its checkout, which shows them all; the cart is then empty", async () => {
    const cookie = await fill("holding-browser", [
      ["juniper-desk-lamp", "blr-01", 2],
      ["coral-backpack", "del-01", 1],
    ]);
    const lampBefore = await reservedAt("juniper-desk-lamp", "blr-01");
    const { revision } = await cartPage(cookie);
    const held = await post(
      server.url,
      "/cart",
      { intent: "hold", revision: revision!, mode: "all" },
      { Cookie: cookie },
    );
    expect(held.status).toBe(302);
    const location = held.headers.get("location") ?? "";
    expect(location).toMatch(/^\/reservations\/[0-9a-f-]{36}$/);

    const checkout = await fetch(`${server.url}${location}`, { headers: { Cookie: cookie } });
    expect(checkout.status).toBe(200);
    const html = await textOf(checkout);
    expectText(html, "Juniper Desk Lamp");
    expectText(html, "Coral Backpack");
    expect(await holdsOf("holding-browser")).toHaveLength(1);
    expect(await reservedAt("juniper-desk-lamp", "blr-01")).toBe(lampBefore + 2);
    expect(await cartLines("holding-browser")).toEqual([]);
    expectText(html, 'aria-label="Cart, 0 items"');
  });

  test("the same form sent again (a double click, Back and submit, a replayed POST) is the same hold", async () => {
    const cookie = await fill("double-submit", [
      ["juniper-desk-lamp", "blr-01", 3],
      ["coral-backpack", "del-01", 1],
    ]);
    const lampBefore = await reservedAt("juniper-desk-lamp", "blr-01");
    const { revision } = await cartPage(cookie);
    const hold = () =>
      post(server.url, "/cart", { intent: "hold", revision: revision!, mode: "all" }, { Cookie: cookie });
    // two at once, then one more after both are done
    const answers = [...(await Promise.all([hold(), hold()])), await hold()];
    const locations = answers.map((a) => a.headers.get("location"));
    expect(answers.map((a) => a.status)).toEqual([302, 302, 302]);
    expect(locations[0]).toMatch(/^\/reservations\//);
    expect(new Set(locations).size).toBe(1);
    expect(await holdsOf("double-submit")).toEqual([locations[0]!.split("/").pop()]);
    expect(await reservedAt("juniper-desk-lamp", "blr-01")).toBe(lampBefore + 3);
  });

  test("a cart changed since the page was shown is not held, and the page says why", async () => {
    const cookie = await fill("changed-cart", [["juniper-desk-lamp", "blr-01", 1]]);
    const { revision } = await cartPage(cookie);
    // another tab adds to the cart
    await fill("changed-cart", [["coral-backpack", "del-01", 1]]);
    const refused = await post(
      server.url,
      "/cart",
      { intent: "hold", revision: revision!, mode: "all" },
      { Cookie: cookie },
    );
    expect(refused.status).toBe(409);
    const html = await textOf(refused);
    expectText(html, "Your cart changed in another tab — check it and hold again.");
    // the page shows the cart as it is now, ready to hold
    expectText(html, "Coral Backpack");
    expect(await holdsOf("changed-cart")).toEqual([]);
  });

  test("a short line is a 409 naming it and where the stock is; Hold what's available then holds the rest", async () => {
    const cookie = await fill("partial-cart", [
      ["basalt-scented-candle", "mum-01", 2],
      ["juniper-desk-lamp", "blr-01", 1],
    ]);
    const { revision } = await cartPage(cookie);
    const before = await snapshot(url);
    const refused = await post(
      server.url,
      "/cart",
      { intent: "hold", revision: revision!, mode: "all" },
      { Cookie: cookie },
    );
    expect(refused.status).toBe(409);
    const html = await textOf(refused);
    expectText(html, "Not everything in your cart is available in the quantity you want, so nothing was held.");
    expectText(html, "2 wanted, 1 left at Mumbai — 20 at Hyderabad, 2 at Bengaluru");
    expectText(html, "Hold what's available");
    expectText(html, "Holds 2 of your 3 units now; the rest stays in your cart.");
    expectText(html, "Move to Hyderabad (20 left)");
    // nothing changed: no hold, and the same cart at the same revision
    expect(await snapshot(url)).toBe(before);
    expect(await cartLines("partial-cart")).toEqual(["basalt-scented-candle@mum-01×2", "juniper-desk-lamp@blr-01×1"]);

    const held = await post(
      server.url,
      "/cart",
      { intent: "hold", revision: revision!, mode: "available" },
      { Cookie: cookie },
    );
    expect(held.status).toBe(302);
    const checkout = await textOf(
      await fetch(`${server.url}${held.headers.get("location")}`, { headers: { Cookie: cookie } }),
    );
    expectText(checkout, "Basalt Scented Candle");
    expectText(checkout, "Juniper Desk Lamp");
    expect(await reservedAt("basalt-scented-candle", "mum-01")).toBe(1);
    // what could not be held stays in the cart
    expect(await cartLines("partial-cart")).toEqual(["basalt-scented-candle@mum-01×1"]);
  });
});

describe("on servers of their own", () => {
  test("changes past the write limit are 429 with Retry-After and a message, and store nothing", async () => {
    const databaseUrl = testDatabaseUrl();
    const limited = await startServer({ DATABASE_URL: databaseUrl, RATE_LIMIT_PER_MINUTE: "2" });
    try {
      const cookie = await sessionCookie("hasty-browser");
      const add = () =>
        post(
          limited.url,
          "/products/juniper-desk-lamp",
          { intent: "cart", warehouseId: "blr-01", quantity: "1", ...back },
          { Cookie: cookie },
        );
      expect((await add()).status).toBe(302);
      expect((await add()).status).toBe(302);
      const refused = await add();
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expectText(await textOf(refused), "Too many changes from your network just now.");
      const cart = await post(
        limited.url,
        "/cart",
        { intent: "set", productId: "juniper-desk-lamp", warehouseId: "blr-01", quantity: "9", ...back },
        { Cookie: cookie },
      );
      expect(cart.status).toBe(429);
      expect(Number(cart.headers.get("retry-after"))).toBeGreaterThan(0);
      expectText(await textOf(cart), "Too many changes from your network just now.");
      expect(await cartLines("hasty-browser", databaseUrl)).toEqual(["juniper-desk-lamp@blr-01×2"]);
    } finally {
      await limited.stop();
    }
  });

  test("a cart outlives a restart: a new server on the same database shows the same cookie the same cart", async () => {
    const databaseUrl = testDatabaseUrl();
    const first = await startServer({ DATABASE_URL: databaseUrl, ...noClientLimits });
    let cookie: string;
    try {
      const added = await post(first.url, "/products/coral-backpack", {
        intent: "cart",
        warehouseId: "del-01",
        quantity: "3",
        ...back,
      });
      expect(added.status).toBe(302);
      cookie = added.headers.get("set-cookie")!.split(";")[0]!;
      expectText((await cartPage(cookie, first.url)).html, "Coral Backpack");
    } finally {
      await first.stop();
    }
    const second = await startServer({ DATABASE_URL: databaseUrl, ...noClientLimits });
    try {
      const { html } = await cartPage(cookie, second.url);
      expectText(html, "Coral Backpack");
      expectText(html, 'aria-label="Cart, 3 items"');
    } finally {
      await second.stop();
    }
  });
});
