import type { Client } from "@libsql/client";
import type { Page } from "@playwright/test";
import { expect, markPage, setStock, shoot, test, wasNotReloaded } from "./fixtures";

// The shopper's cart in a browser: adding from a product page, changing
// and moving lines, and "Hold my cart", with JavaScript and without. Only
// products no other browser test touches; each test sets the stock it
// needs first, and counts the holds only of products no other test here
// holds, so the tests sharing a worker's server never disturb each other.

// Without JavaScript the cart's forms carry where to go afterwards; once
// the page has hydrated they no longer do, and go by fetcher instead.
async function hydrated(page: Page) {
  await expect(page.locator('input[name="redirectTo"]')).toHaveCount(0);
}

async function addOnPage(
  page: Page,
  productId: string,
  { warehouse, quantity }: { warehouse: string; quantity?: number },
) {
  await page.goto(`/products/${productId}`);
  await hydrated(page);
  await page.getByRole("radio", { name: warehouse }).check();
  if (quantity) await page.getByLabel("Quantity").fill(String(quantity));
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect(page.getByRole("status")).toContainText(`from ${warehouse} to your cart`);
}

// The product page's own form post, for a test whose subject is the cart:
// quicker than opening each product page.
async function addByForm(page: Page, productId: string, warehouseId: string, quantity: number) {
  const added = await page.request.post(`/products/${productId}`, {
    form: { intent: "cart", warehouseId, quantity: String(quantity) },
  });
  expect(added.status()).toBe(200);
}

const lineOf = (page: Page, productName: string) => page.getByTestId("cart-line").filter({ hasText: productName });
const cartLink = (page: Page) => page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /^Cart/ });

// The holds made of a product, and its units on hold, straight from the books.
async function holdsOf(db: Client, productId: string) {
  const holds = await db.execute({
    sql: "SELECT count(DISTINCT reservation_id) AS n FROM reservation_items WHERE product_id = ?",
    args: [productId],
  });
  const reserved = await db.execute({
    sql: "SELECT coalesce(sum(reserved), 0) AS n FROM inventory WHERE product_id = ?",
    args: [productId],
  });
  return { holds: Number(holds.rows[0]?.n), reserved: Number(reserved.rows[0]?.n) };
}

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  async function addWithoutScript(page: Page, productId: string, warehouse: string, quantity = 1) {
    await page.goto(`/products/${productId}`);
    await page.getByRole("radio", { name: warehouse }).check();
    await page.getByLabel("Quantity").fill(String(quantity));
    await page.getByRole("button", { name: "Add to cart" }).click();
    await expect(page).toHaveURL(/\/cart$/);
  }

  test("add from product pages, change a quantity and remove a line, each a page of its own", async ({
    page,
    shop,
  }) => {
    await setStock(shop.db, "juniper-desk-lamp", { "blr-01": 40 });
    await setStock(shop.db, "coral-backpack", { "del-01": 40 });
    await setStock(shop.db, "basalt-throw-blanket", { "mum-01": 3 });
    await addWithoutScript(page, "juniper-desk-lamp", "Bengaluru");
    await addWithoutScript(page, "coral-backpack", "Delhi");
    await addWithoutScript(page, "basalt-throw-blanket", "Mumbai");
    await expect(page.getByTestId("cart-line")).toHaveCount(3);
    await expect(cartLink(page)).toHaveAccessibleName("Cart, 3 items");
    await expect(lineOf(page, "Basalt Throw Blanket").getByTestId("availability")).toHaveText("Only 3 left at Mumbai");

    const lamp = lineOf(page, "Juniper Desk Lamp");
    await lamp.getByLabel("Quantity").fill("3");
    await lamp.getByRole("button", { name: "Update" }).click();
    await expect(page).toHaveURL(/\/cart$/);
    await expect(lineOf(page, "Juniper Desk Lamp").getByLabel("Quantity")).toHaveValue("3");
    await expect(cartLink(page)).toHaveAccessibleName("Cart, 5 items");

    await lineOf(page, "Coral Backpack").getByRole("button", { name: "Remove" }).click();
    await expect(page.getByTestId("cart-line")).toHaveCount(2);
    await expect(lineOf(page, "Coral Backpack")).toHaveCount(0);
    await expect(cartLink(page)).toHaveAccessibleName("Cart, 4 items");
  });

  test("Hold my cart, clicked twice and the same form sent again later, is one hold whose checkout shows every line", async ({
    page,
    shop,
  }) => {
    await setStock(shop.db, "juniper-monitor-stand", { "del-01": 30 });
    await setStock(shop.db, "basalt-throw-blanket", { "mum-01": 30 });
    await addWithoutScript(page, "juniper-monitor-stand", "Delhi", 2);
    await addWithoutScript(page, "basalt-throw-blanket", "Mumbai");
    const revision = await page.locator('input[name="revision"]').inputValue();

    await page.getByRole("button", { name: "Hold my cart" }).dblclick();
    await expect(page.getByRole("heading", { name: "Checkout" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Juniper Monitor Stand" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Basalt Throw Blanket" })).toBeVisible();
    await expect(page.getByText(/^2 × .*Delhi/)).toBeVisible();
    await expect(cartLink(page)).toHaveAccessibleName("Cart, 0 items");
    const checkout = new URL(page.url()).pathname;
    expect(checkout).toMatch(/^\/reservations\//);
    // a replay of that form (a retried request, a resubmit from history)
    const replayed = await page.request.post("/cart", {
      form: { intent: "hold", revision, mode: "all" },
      maxRedirects: 0,
    });
    expect(replayed.status()).toBe(302);
    expect(replayed.headers().location).toBe(checkout);
    expect(await holdsOf(shop.db, "juniper-monitor-stand")).toEqual({ holds: 1, reserved: 2 });
  });
});

test("with JavaScript: adding happens in place, and the header's count follows in this tab and another", async ({
  page,
  context,
  shop,
}) => {
  await setStock(shop.db, "juniper-fountain-pen", { "blr-01": 40, "mum-01": 40 });
  const other = await context.newPage();
  await other.goto("/products");
  await hydrated(other);
  await markPage(other);
  await expect(cartLink(other)).toHaveAccessibleName("Cart, 0 items");

  await page.goto("/products/juniper-fountain-pen");
  await hydrated(page);
  await markPage(page);
  await page.getByRole("radio", { name: "Mumbai" }).check();
  await page.getByLabel("Quantity").fill("2");
  const add = page.getByRole("button", { name: "Add to cart" });
  await add.click();
  await expect(page.getByRole("status")).toContainText("Added 2 from Mumbai to your cart");
  await expect(cartLink(page)).toHaveAccessibleName("Cart, 2 items");
  await expect(cartLink(other)).toHaveAccessibleName("Cart, 2 items");

  await page.getByLabel("Quantity").fill("1");
  await add.click();
  await expect(page.getByRole("status")).toContainText("Added 1 from Mumbai to your cart");
  await expect(cartLink(page)).toHaveAccessibleName("Cart, 3 items");
  await expect(cartLink(other)).toHaveAccessibleName("Cart, 3 items");
  await expect(page).toHaveURL(/\/products\/juniper-fountain-pen$/);
  expect(await wasNotReloaded(page)).toBe(true);
  expect(await wasNotReloaded(other)).toBe(true);

  // and from the confirmation to the cart, which has the one line
  await page.getByRole("link", { name: "View cart" }).click();
  await expect(page.getByRole("heading", { name: "Your cart" })).toBeVisible();
  await expect(lineOf(page, "Juniper Fountain Pen").getByLabel("Quantity")).toHaveValue("3");
});

test("with JavaScript: quantities change, lines go, and their stock is live, all in place", async ({ page, shop }) => {
  await setStock(shop.db, "coral-trail-jacket", { "mum-01": 44 });
  await setStock(shop.db, "juniper-desk-mat", { "del-01": 40 });
  await addOnPage(page, "coral-trail-jacket", { warehouse: "Mumbai", quantity: 2 });
  await addByForm(page, "juniper-desk-mat", "del-01", 1);
  await page.getByRole("link", { name: "View cart" }).click();
  await hydrated(page);
  await markPage(page);

  const jacket = lineOf(page, "Coral Trail Jacket");
  await expect(jacket.getByTestId("availability")).toHaveText("In stock at Mumbai");
  await jacket.getByLabel("Quantity").fill("4");
  await jacket.getByRole("button", { name: "Update" }).click();
  await expect(jacket.getByTestId("line-total")).toHaveText("₹7,596");
  await expect(cartLink(page)).toHaveAccessibleName("Cart, 5 items");

  // someone else holds most of Mumbai's jackets: the line says so at once
  const taken = await page.request.post("/api/reservations", {
    data: { productId: "coral-trail-jacket", warehouseId: "mum-01", quantity: 42 },
  });
  expect(taken.status()).toBe(201);
  await expect(jacket.getByTestId("availability")).toHaveText("Not enough at Mumbai: 2 left");

  await lineOf(page, "Juniper Desk Mat").getByRole("button", { name: "Remove" }).click();
  await expect(lineOf(page, "Juniper Desk Mat")).toHaveCount(0);
  await expect(cartLink(page)).toHaveAccessibleName("Cart, 4 items");
  await expect(page).toHaveURL(/\/cart$/);
  expect(await wasNotReloaded(page)).toBe(true);
});

test("with JavaScript: a double click on Hold my cart, and a click in another tab at once, make one hold", async ({
  page,
  context,
  shop,
}) => {
  await setStock(shop.db, "coral-water-bottle", { "hyd-01": 50 });
  await addByForm(page, "coral-water-bottle", "hyd-01", 2);
  const other = await context.newPage();
  for (const tab of [page, other]) {
    await tab.goto("/cart");
    await hydrated(tab);
  }
  // The forms are sent at once, the first tab's twice in a row as a double
  // click sends it. (Real clicks wait for the button to be still, and the
  // tab that wins first empties the other's cart, live, before a late click
  // could land: a race of the test's, not of the shop's.)
  const submit = (tab: Page, times: number) =>
    tab.getByRole("button", { name: "Hold my cart" }).evaluate((button: HTMLButtonElement, count) => {
      for (let i = 0; i < count; i++) button.form?.requestSubmit(button);
    }, times);
  await Promise.all([submit(page, 2), submit(other, 1)]);
  await expect(page.getByRole("heading", { name: "Checkout" })).toBeVisible();
  await expect(other.getByRole("heading", { name: "Checkout" })).toBeVisible();
  expect(page.url()).toMatch(/\/reservations\//);
  expect(other.url()).toBe(page.url());
  expect(await holdsOf(shop.db, "coral-water-bottle")).toEqual({ holds: 1, reserved: 2 });
});

test("with JavaScript: a cart changed elsewhere is not held, and the page says so and shows it as it is now", async ({
  page,
  shop,
}) => {
  await setStock(shop.db, "basalt-throw-blanket", { "blr-01": 20 });
  await setStock(shop.db, "juniper-fountain-pen", { "blr-01": 20 });
  await addByForm(page, "basalt-throw-blanket", "blr-01", 1);
  await page.goto("/cart");
  await hydrated(page);
  // the same shopper adds something from a page without JavaScript
  await addByForm(page, "juniper-fountain-pen", "blr-01", 1);

  await page.getByRole("button", { name: "Hold my cart" }).click();
  await expect(page.getByRole("alert")).toHaveText("Your cart changed in another tab — check it and hold again.");
  await expect(lineOf(page, "Juniper Fountain Pen")).toBeVisible();
  await expect(page).toHaveURL(/\/cart$/);
  // the page now carries the cart's new revision: holding again works
  await page.getByRole("button", { name: "Hold my cart" }).click();
  await expect(page.getByRole("heading", { name: "Checkout" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Juniper Fountain Pen" })).toBeVisible();
});

test("a failed hold names each short line and where the stock is, and Hold what's available holds the rest", async ({
  page,
  shop,
}) => {
  await setStock(shop.db, "basalt-scented-candle", { "hyd-01": 5, "mum-01": 4, "blr-01": 2 });
  await setStock(shop.db, "coral-camp-stove", { "hyd-01": 3 });
  await setStock(shop.db, "basalt-linen-cushion", { "hyd-01": 10 });
  await addByForm(page, "basalt-scented-candle", "hyd-01", 3);
  await addByForm(page, "coral-camp-stove", "hyd-01", 3);
  await addByForm(page, "basalt-linen-cushion", "hyd-01", 1);
  // others bought most of it meanwhile
  await setStock(shop.db, "basalt-scented-candle", { "hyd-01": 1, "mum-01": 4, "blr-01": 2 });
  await setStock(shop.db, "coral-camp-stove", { "hyd-01": 1 });

  await page.goto("/cart");
  await hydrated(page);
  const candle = lineOf(page, "Basalt Scented Candle");
  await expect(candle.getByTestId("availability")).toHaveText("Not enough at Hyderabad: 1 left");
  await page.getByRole("button", { name: "Hold my cart" }).click();
  const refused = page.getByTestId("hold-refused");
  await expect(refused).toContainText(
    "Not everything in your cart is available in the quantity you want, so nothing was held.",
  );
  await expect(candle.getByRole("alert")).toHaveText("3 wanted, 1 left at Hyderabad — 4 at Mumbai, 2 at Bengaluru");
  await expect(candle.getByRole("button", { name: "Move to Mumbai (4 left)" })).toBeVisible();
  await expect(lineOf(page, "Coral Camp Stove").getByRole("alert")).toHaveText(
    "3 wanted, 1 left at Hyderabad, and none anywhere else",
  );
  await expect(lineOf(page, "Basalt Linen Cushion").getByTestId("availability")).toHaveText("In stock at Hyderabad");
  await expect(refused).toContainText("Holds 3 of your 7 units now; the rest stays in your cart.");
  await expect(page).toHaveURL(/\/cart$/);
  expect(await holdsOf(shop.db, "basalt-linen-cushion")).toEqual({ holds: 0, reserved: 0 });
  await shoot(page, "cart-hold-refused");

  await refused.getByRole("button", { name: "Hold what's available" }).click();
  await expect(page.getByRole("heading", { name: "Checkout" })).toBeVisible();
  for (const name of ["Basalt Scented Candle", "Coral Camp Stove", "Basalt Linen Cushion"]) {
    await expect(page.getByRole("link", { name })).toBeVisible();
  }
  expect(await holdsOf(shop.db, "coral-camp-stove")).toEqual({ holds: 1, reserved: 1 });
  expect(await holdsOf(shop.db, "basalt-linen-cushion")).toEqual({ holds: 1, reserved: 1 });

  // what could not be held is still in the cart
  await page.goto("/cart");
  await expect(page.getByTestId("cart-line")).toHaveCount(2);
  await expect(candle.getByLabel("Quantity")).toHaveValue("2");
  await expect(lineOf(page, "Coral Camp Stove").getByLabel("Quantity")).toHaveValue("2");
});

test("a line short at its warehouse moves in place to one that has it, and then holds", async ({ page, shop }) => {
  await setStock(shop.db, "juniper-desk-mat", { "mum-01": 5, "blr-01": 26, "hyd-01": 2 });
  await addByForm(page, "juniper-desk-mat", "mum-01", 4);
  await setStock(shop.db, "juniper-desk-mat", { "mum-01": 1, "blr-01": 26, "hyd-01": 2 });
  await page.goto("/cart");
  await hydrated(page);
  await markPage(page);

  const mat = lineOf(page, "Juniper Desk Mat");
  await expect(mat.getByTestId("availability")).toHaveText("Not enough at Mumbai: 1 left");
  // Hyderabad has 2, not the 4 wanted: only Bengaluru is offered
  await expect(mat.getByRole("button", { name: /^Move to/ })).toHaveText(["Move to Bengaluru (26 left)"]);
  await mat.getByRole("button", { name: "Move to Bengaluru (26 left)" }).click();
  await expect(mat).toContainText("From Bengaluru");
  await expect(mat.getByTestId("availability")).toHaveText("In stock at Bengaluru");
  await expect(mat.getByRole("button", { name: /^Move to/ })).toHaveCount(0);
  expect(await wasNotReloaded(page)).toBe(true);

  await page.getByRole("button", { name: "Hold my cart" }).click();
  await expect(page.getByRole("heading", { name: "Checkout" })).toBeVisible();
  await expect(page.getByText(/^4 × .*Bengaluru/)).toBeVisible();
});

test("screenshots: the cart empty, a product added, and the cart full", async ({ page, shop }) => {
  await page.goto("/cart");
  await expect(page.getByRole("heading", { name: "Your cart is empty" })).toBeVisible();
  await shoot(page, "cart-empty");

  await setStock(shop.db, "basalt-ceramic-vase", { "blr-01": 60, "hyd-01": 2 });
  await setStock(shop.db, "juniper-desk-lamp", { "del-01": 3 });
  await setStock(shop.db, "coral-backpack", { "del-01": 40 });
  await addOnPage(page, "basalt-ceramic-vase", { warehouse: "Bengaluru", quantity: 2 });
  await shoot(page, "cart-product-added");
  await addByForm(page, "juniper-desk-lamp", "del-01", 1);
  await addByForm(page, "coral-backpack", "del-01", 1);
  await page.goto("/cart");
  await expect(page.getByTestId("cart-line")).toHaveCount(3);
  await expect(page.getByTestId("cart-total")).toHaveText("₹19,446");
  await shoot(page, "cart-full");
});
