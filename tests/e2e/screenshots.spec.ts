import type { Page } from "@playwright/test";
import { testSecrets } from "../helpers/server";
import { expect, makeDrop, reserveOnPage, setStock, shoot, signIn, startShop, test } from "./fixtures";

// one test a page: full-page shots at two widths take a while each
test("home", async ({ page }) => {
  await page.goto("/");
  await shoot(page, "home");
});

test("the shop, and Load more", async ({ page }) => {
  await page.goto("/products");
  await shoot(page, "products");
  await page.getByRole("link", { name: "Load more" }).click();
  await expect(page.getByRole("main").getByRole("listitem")).toHaveCount(42);
  await shoot(page, "products-more");
});

// the docs are the whole README: two full-page shots of a page tens of
// thousands of px tall. When the README was 40 % longer than now (before
// its performance notebook moved to PERFORMANCE.md) they took up to 91 s
// in full runs of the suite
test("docs", async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto("/docs");
  await shoot(page, "docs");
});

test("the 404 page", async ({ page }) => {
  await page.goto("/no-such-page");
  await shoot(page, "not-found");
});

test("product page, and a lost race on it", async ({ page, shop }) => {
  await setStock(shop.db, "slate-kettle", { "mum-01": 1, "del-01": 3, "blr-01": 42 });
  await page.goto("/products/slate-kettle");
  await shoot(page, "product");
  await page.getByRole("radio", { name: "Mumbai" }).check();
  const taken = await page.request.post("/api/reservations", {
    data: { productId: "slate-kettle", warehouseId: "mum-01", quantity: 1 },
  });
  expect(taken.status()).toBe(201);
  await reserveOnPage(page);
  await expect(page.getByRole("alert")).toHaveText("Sold out at Mumbai — 42 left at Bengaluru");
  await shoot(page, "product-lost-race");
  await setStock(shop.db, "slate-kettle", {});
  await page.goto("/products/slate-kettle");
  await shoot(page, "product-sold-out");
});

test("checkout: pending, paid and cancelled", async ({ page }) => {
  await page.goto("/products/lumen-desk-mat");
  await reserveOnPage(page, { quantity: 2 });
  await expect(page.getByRole("heading", { name: "Checkout" })).toBeVisible();
  await shoot(page, "checkout-pending");
  await page.getByRole("button", { name: /^Pay .* now$/ }).click();
  await expect(page.getByRole("heading", { name: "Payment received — it's yours" })).toBeVisible();
  await shoot(page, "checkout-confirmed");

  await page.goto("/products/lumen-desk-mat");
  await reserveOnPage(page);
  await page.getByRole("button", { name: "Cancel hold" }).click();
  await expect(page.getByRole("heading", { name: "Hold cancelled" })).toBeVisible();
  await shoot(page, "checkout-released");
});

test("checkout: running out, and expired", async ({ browser }) => {
  // two servers of its own, and a hold that must really run out (20 s
  // measured on an idle machine)
  test.setTimeout(60_000);
  const warn = await startShop({ HOLD_TTL_SECONDS: "100" });
  const short = await startShop({ HOLD_TTL_SECONDS: "4" });
  try {
    const page = await browser.newPage({ baseURL: warn.url });
    await page.goto("/products/saffron-notebook");
    await reserveOnPage(page);
    await expect(page.getByText("Hurry — your hold ends in")).toBeVisible();
    await shoot(page, "checkout-warning");
    await page.close();

    const last = await browser.newPage({ baseURL: short.url });
    await last.goto("/products/saffron-notebook");
    await reserveOnPage(last);
    await expect(last.getByText("Hurry — your hold ends in")).toBeVisible();
    await shoot(last, "checkout-last-seconds");
    await expect(last.getByRole("heading", { name: "Your hold expired" })).toBeVisible({ timeout: 8_000 });
    await shoot(last, "checkout-expired");
    await last.close();
  } finally {
    await Promise.all([warn.stop(), short.stop()]);
  }
});

test("a shopper at the fair-use cap, and a form posted from another site", async ({ browser }) => {
  const capped = await startShop({ MAX_PENDING_HOLDS_PER_CLIENT: "1" });
  try {
    const page = await browser.newPage({ baseURL: capped.url });
    await page.goto("/products/saffron-notebook");
    await reserveOnPage(page);
    await expect(page.getByRole("heading", { name: "Checkout" })).toBeVisible();
    await page.goto("/products/saffron-notebook");
    await reserveOnPage(page);
    await expect(page.getByRole("alert")).toContainText("You already have 1 hold waiting for payment");
    await shoot(page, "product-client-limit");

    // a page elsewhere that posts the shop's reserve form: the browser says
    // where it came from, and the shop refuses before doing anything
    await page.goto("about:blank");
    await page.setContent(
      `<form method="post" action="${capped.url}/products/saffron-notebook">
         <input name="warehouseId" value="blr-01"><input name="quantity" value="1"><button>Win a prize</button>
       </form>`,
    );
    await page.getByRole("button", { name: "Win a prize" }).click();
    await expect(page.getByRole("heading", { name: "That request was refused" })).toBeVisible();
    await shoot(page, "refused-cross-site");
    await page.close();
  } finally {
    await capped.stop();
  }
});

// Some activity for the console to show: three holds on a product, one paid.
async function someHolds(page: Page, productId: string) {
  const made = [];
  for (const quantity of [1, 2, 3]) {
    const response = await page.request.post("/api/reservations", {
      data: { productId, warehouseId: "blr-01", quantity },
    });
    made.push((await response.json()) as { reservation: { id: string }; holdToken: string });
  }
  await page.request.post(`/api/reservations/${made[0]!.reservation.id}/confirm`, {
    headers: { Authorization: `Bearer ${made[0]!.holdToken}` },
  });
}

// the console a page or two a test: full-page shots at two widths take a while
test("the console's login, and a refused one", async ({ page }) => {
  await page.goto("/admin/login");
  await shoot(page, "console-login");
  await page.getByLabel("Operator token").fill("wrong-token-for-the-picture");
  await page.getByLabel("Your name").fill("Asha");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  await shoot(page, "console-login-refused");
});

test("the console's dashboard, over an hour and a day", async ({ page }) => {
  await someHolds(page, "aurora-speaker");
  await signIn(page, "/admin");
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await shoot(page, "console-dashboard");
  await page.getByRole("link", { name: "Last 24 hours" }).click();
  await expect(page.getByRole("heading", { name: "Holds, last 24 hours" })).toBeVisible();
  await shoot(page, "console-dashboard-24h");
});

test("the console's products, and a product with a refused change", async ({ page }) => {
  await someHolds(page, "cedar-turntable");
  await signIn(page, "/admin/products?q=cedar");
  await expect(page.getByRole("heading", { name: "Products" })).toBeVisible();
  await shoot(page, "console-products");
  await page.goto("/admin/products/cedar-turntable");
  const bengaluru = page.getByRole("form", { name: "Change the stock of Cedar Turntable at Bengaluru" });
  await bengaluru.getByLabel("How").selectOption("set");
  await bengaluru.getByLabel("Units").fill("0");
  await bengaluru.getByRole("button", { name: "Apply" }).click();
  await expect(bengaluru.getByRole("status")).toContainText("Not saved");
  await shoot(page, "console-product");
});

test("the console's holds with a release, warehouses and audit trail", async ({ page }) => {
  await someHolds(page, "indigo-backpack");
  await signIn(page, "/admin/holds?productId=indigo-backpack");
  const row = page.getByRole("row", { name: /3 × Indigo Backpack/ });
  await row.getByLabel(/Why release hold/).fill("shopper asked by phone");
  await row.getByRole("button", { name: "Release" }).click();
  await expect(page.getByRole("status")).toContainText("Released");
  await shoot(page, "console-holds");
  await page.goto("/admin/warehouses");
  await shoot(page, "console-warehouses");
  await page.goto("/admin/audit?productId=indigo-backpack");
  await shoot(page, "console-audit");
});

test("a checkout cancelled by the shop", async ({ page, browser, shop }) => {
  await page.goto("/products/coral-headlamp");
  await reserveOnPage(page);
  await expect(page.getByRole("heading", { name: "Checkout" })).toBeVisible();
  const id = page.url().split("/").pop()!;
  const operator = await browser.newPage({ baseURL: shop.url });
  const released = await operator.request.post(`/api/admin/holds/${id}/release`, {
    headers: { Authorization: `Bearer ${testSecrets.ADMIN_TOKEN}` },
    data: { reason: "payment provider outage" },
  });
  expect(released.status()).toBe(200);
  await operator.close();
  await expect(page.getByRole("heading", { name: "Cancelled by the shop" })).toBeVisible();
  await shoot(page, "checkout-cancelled-by-shop");
});

test("the console's API keys: a new key shown once, and a revoked one", async ({ page }) => {
  await signIn(page, "/admin/api-keys");
  for (const name of ["Payments service", "Old storefront (retired)"]) {
    await page.getByLabel("Who it is for").fill(name);
    await page.getByRole("button", { name: "Make a key" }).click();
    await expect(page.getByTestId("new-api-key")).toHaveText(/^hfk_/);
  }
  await page
    .getByRole("row", { name: /Old storefront/ })
    .getByRole("button", { name: /Revoke/ })
    .click();
  await expect(page.getByRole("row", { name: /Old storefront/ }).getByRole("status")).toBeVisible();
  await page.getByLabel("Who it is for").fill("Warehouse scanners");
  await page.getByRole("button", { name: "Make a key" }).click();
  await expect(page.getByRole("heading", { name: /it will not be shown again/ })).toBeVisible();
  await shoot(page, "console-api-keys");
});

test("drops: the list, and a drop before it opens", async ({ page, shop }) => {
  await setStock(shop.db, "nimbus-backpack", { "blr-01": 40 });
  await setStock(shop.db, "nimbus-headlamp", { "del-01": 25 });
  const id = await makeDrop(page.request, {
    name: "Nimbus trail drop",
    productIds: ["nimbus-backpack", "nimbus-headlamp"],
    startsInMs: 2 * 3_600_000,
  });
  await page.goto("/drops");
  await expect(page.getByRole("link", { name: "Nimbus trail drop" })).toBeVisible();
  await shoot(page, "drops");
  await page.goto(`/drops/${id}`);
  await expect(page.getByRole("button", { name: "Opens at the start" }).first()).toBeDisabled();
  await shoot(page, "drop-upcoming");
});

test("a live drop: stock, the top purchasers, a place in line, an offered hold", async ({
  page,
  shop,
  browser,
  baseURL,
}) => {
  await setStock(shop.db, "ember-wall-clock", { "blr-01": 1 });
  await setStock(shop.db, "ember-ceramic-vase", { "mum-01": 12 });
  const id = await makeDrop(page.request, {
    name: "Ember homeware drop",
    productIds: ["ember-wall-clock", "ember-ceramic-vase"],
    startsInMs: -60_000,
    endsInMs: 3_600_000,
  });
  const other = await browser.newContext({ baseURL });
  const otherPage = await other.newPage();
  await otherPage.goto(`/drops/${id}`);
  await otherPage
    .getByTestId("drop-product-ember-ceramic-vase")
    .getByLabel(/Your name/)
    .fill("Meera");
  await otherPage.getByTestId("drop-product-ember-ceramic-vase").getByRole("button", { name: "Reserve" }).click();
  await otherPage.getByRole("button", { name: /^Pay .* now$/ }).click();
  // leaving before the payment's answer could cancel it
  await expect(otherPage.getByRole("heading", { name: "Payment received — it's yours" })).toBeVisible();
  await otherPage.goto(`/drops/${id}`);
  await otherPage.getByTestId("drop-product-ember-wall-clock").getByRole("button", { name: "Reserve" }).click();
  await expect(otherPage).toHaveURL(/\/reservations\//);

  await page.goto(`/drops/${id}`);
  await expect(page.getByTestId("top-purchasers")).toContainText("Meera");
  await shoot(page, "drop-live");
  await page.getByRole("button", { name: "Join the waiting line" }).click();
  await expect(page.getByTestId("own-place")).toContainText("#1 in line");
  await shoot(page, "drop-waiting");
  await otherPage.getByRole("button", { name: "Cancel hold" }).click();
  await expect(page.getByTestId("own-hold")).toContainText("A unit came back for you");
  await shoot(page, "drop-offered");
  await other.close();
});

test("a drop that has ended", async ({ page, shop }) => {
  await setStock(shop.db, "ember-throw-blanket", { "hyd-01": 6 });
  const id = await makeDrop(page.request, {
    name: "Blanket drop",
    productIds: ["ember-throw-blanket"],
    startsInMs: -3_000,
    endsInMs: 1_000,
  });
  await expect(async () => {
    await page.goto(`/drops/${id}`);
    await expect(page.getByTestId("drop-phase")).toHaveText("Ended", { timeout: 500 });
  }).toPass();
  await shoot(page, "drop-ended");
});
