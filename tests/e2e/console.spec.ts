import { testSecrets } from "../helpers/server";
import { expect, markPage, reserveOnPage, setStock, signIn, test, wasNotReloaded } from "./fixtures";

// The operator console in a browser: signing in, and the changes an
// operator makes reaching shoppers' open pages live (and the shop's
// changes reaching the console's).

test("signing in: a wrong token is refused, the right one comes back to the page asked for, signing out ends it", async ({
  page,
}) => {
  await page.goto("/admin/holds?status=pending");
  await expect(page).toHaveURL(/\/admin\/login\?next=%2Fadmin%2Fholds%3Fstatus%3Dpending$/);
  await page.getByLabel("Operator token").fill("not-the-token-at-all");
  await page.getByLabel("Your name").fill("Asha");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("That token is not the shop's ADMIN_TOKEN.");

  await page.getByLabel("Operator token").fill(testSecrets.ADMIN_TOKEN);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/admin\/holds\?status=pending$/);
  await expect(page.getByRole("heading", { name: "Holds" })).toBeVisible();
  await expect(page.getByText("Signed in as Asha")).toBeVisible();
  const cookie = (await page.context().cookies()).find((c) => c.name === "__holdfast_operator");
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/" });

  // moving between pages in the browser: the dashboard's data comes from
  // /admin.data, which the cookie must cover
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Dashboard" }).click();
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await expect(page).toHaveURL(/\/admin$/);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/admin\/login$/);
  await page.goto("/admin/products");
  await expect(page).toHaveURL(/\/admin\/login\?next=/);
});

test("a restock in the console changes the shop's open product page live", async ({ page, browser, shop }) => {
  await setStock(shop.db, "indigo-water-bottle", { "blr-01": 3 });
  const shopper = await browser.newContext({ baseURL: shop.url });
  const product = await shopper.newPage();
  await product.goto("/products/indigo-water-bottle");
  await markPage(product);
  await expect(product.getByTestId("available-blr-01")).toHaveText("3 available");

  await signIn(page, "/admin/products/indigo-water-bottle");
  const bengaluru = page.getByRole("form", { name: "Change the stock of Indigo Water Bottle at Bengaluru" });
  await bengaluru.getByLabel("Units").fill("40");
  await bengaluru.getByLabel("Note").fill("PO 1182");
  await bengaluru.getByRole("button", { name: "Apply" }).click();
  // the seed's sales stay on the row: only the change is known here
  await expect(bengaluru.getByRole("status")).toHaveText(/^Saved: total (\d+) → \d+\.$/);

  await expect(product.getByTestId("available-blr-01")).toHaveText("43 available", { timeout: 2_000 });
  expect(await wasNotReloaded(product)).toBe(true);
  await shopper.close();
});

test("an operator's release turns the shopper's open checkout to cancelled by the shop, live", async ({
  page,
  browser,
  shop,
}) => {
  await setStock(shop.db, "meadow-backpack", { "mum-01": 5 });
  const shopper = await browser.newContext({ baseURL: shop.url });
  const checkout = await shopper.newPage();
  await checkout.goto("/products/meadow-backpack");
  await reserveOnPage(checkout, { warehouse: "Mumbai", quantity: 2 });
  await expect(checkout.getByRole("heading", { name: "Checkout" })).toBeVisible();
  await markPage(checkout);

  await signIn(page, "/admin/holds?status=pending&productId=meadow-backpack");
  const row = page.getByRole("row", { name: /meadow backpack/i });
  await row.getByLabel(/Why release hold/).fill("payment provider outage");
  await row.getByRole("button", { name: "Release" }).click();
  await expect(page.getByRole("status")).toHaveText(/^Released HF-.*; its units are back on sale\.$/);

  await expect(checkout.getByRole("heading", { name: "Cancelled by the shop" })).toBeVisible({ timeout: 2_000 });
  // anything that happens in the shop reloads the console's data; the page
  // still says what the release did after that
  await expect(row).toHaveCount(0);
  const reloaded = page.waitForResponse((r) => r.request().method() === "GET" && /\/admin\/holds\.data/.test(r.url()));
  await page.request.post("/api/reservations", {
    data: { productId: "meadow-backpack", warehouseId: "mum-01", quantity: 1 },
  });
  await reloaded;
  await expect(page.getByRole("status")).toHaveText(/^Released HF-/);
  await expect(checkout.getByRole("status")).toHaveText("The shop cancelled your hold. Nothing was charged.");
  expect(await wasNotReloaded(checkout)).toBe(true);
  await shopper.close();
});

test("a hold made through the API moves the open dashboard, live", async ({ page, shop }) => {
  await setStock(shop.db, "basalt-wall-clock", { "hyd-01": 30 });
  await signIn(page, "/admin");
  await expect(page.getByRole("heading", { name: "Dashboard" })).toBeVisible();
  await markPage(page);
  const pending = page.getByTestId("tile-Pending holds");
  const before = Number((await pending.textContent())?.replace(/,/g, ""));
  const created = page.getByTestId("tile-Created, last hour");
  const createdBefore = Number((await created.textContent())?.replace(/,/g, ""));

  const response = await page.request.post(`${shop.url}/api/reservations`, {
    data: { productId: "basalt-wall-clock", warehouseId: "hyd-01", quantity: 3 },
  });
  expect(response.status()).toBe(201);

  // other tests share this server, so at least one more
  await expect
    .poll(async () => Number((await pending.textContent())?.replace(/,/g, "")), { timeout: 3_000 })
    .toBeGreaterThan(before);
  await expect
    .poll(async () => Number((await created.textContent())?.replace(/,/g, "")), { timeout: 3_000 })
    .toBeGreaterThan(createdBefore);
  expect(await wasNotReloaded(page)).toBe(true);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("signing in and restocking work as plain forms", async ({ page, shop }) => {
    await setStock(shop.db, "harbor-kettle", { "del-01": 2 });
    await signIn(page, "/admin/products?q=harbor");
    await expect(page).toHaveURL(/\/admin\/products\?q=harbor$/);
    const delhi = page.getByRole("form", { name: "Change the stock of Harbor Kettle at Delhi" });
    await delhi.getByLabel("How").selectOption("set");
    await delhi.getByLabel("Units").fill("25");
    await delhi.getByLabel("Reason").selectOption("correction");
    await delhi.getByRole("button", { name: "Apply" }).click();

    await expect(page).toHaveURL(/\/admin\/products\/harbor-kettle$/);
    const after = page.getByRole("form", { name: "Change the stock of Harbor Kettle at Delhi" });
    await expect(after.getByRole("status")).toHaveText(/^Saved: total \d+ → 25\.$/);
    await expect(
      page
        .getByRole("row", { name: /^Delhi/ })
        .getByRole("cell")
        .first(),
    ).toHaveText("25");

    // lower than what is held and sold: refused, and said so
    const refused = page.getByRole("form", { name: "Change the stock of Harbor Kettle at Delhi" });
    await refused.getByLabel("How").selectOption("remove");
    await refused.getByLabel("Units").fill("26");
    await refused.getByRole("button", { name: "Apply" }).click();
    await expect(
      page.getByRole("form", { name: "Change the stock of Harbor Kettle at Delhi" }).getByRole("status"),
    ).toHaveText(/^Not saved: at most \d+ can be removed \(0 held and \d+ sold\)\.$/);
  });
});
