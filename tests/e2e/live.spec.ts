import { expect, markPage, reserveOnPage, setStock, startShop, test, wasNotReloaded } from "./fixtures";

test("the checkout countdown ticks, and paying in another tab shows here without a reload", async ({
  page,
  context,
}) => {
  await page.goto("/products/juniper-notebook");
  await reserveOnPage(page);
  await expect(page).toHaveURL(/\/reservations\//);
  await markPage(page);

  const countdown = page.getByTestId("countdown");
  const first = await countdown.textContent();
  expect(first).toMatch(/^(09:5\d|10:00)$/);
  await expect(countdown).not.toHaveText(first!, { timeout: 3_000 });

  const other = await context.newPage();
  await other.goto(page.url());
  await other.getByRole("button", { name: /^Pay .* now$/ }).click();
  await expect(other.getByRole("heading", { name: "Payment received — it's yours" })).toBeVisible();

  await expect(page.getByRole("heading", { name: "Payment received — it's yours" })).toBeVisible({ timeout: 2_000 });
  await expect(page.getByRole("status")).toHaveText("Payment received. The items are yours.");
  expect(await wasNotReloaded(page)).toBe(true);
});

test("a hold made through the API changes the count on an open product page", async ({ page, shop }) => {
  await setStock(shop.db, "onyx-desk-lamp", { "blr-01": 7, "hyd-01": 4 });
  await page.goto("/products/onyx-desk-lamp");
  await markPage(page);
  const bengaluru = page.getByTestId("available-blr-01");
  await expect(bengaluru).toHaveText("7 available");

  // No waiting for the stream to open: it resumes from the moment the page
  // was rendered, so a change in between reaches the page all the same.
  const response = await page.request.post(`${shop.url}/api/reservations`, {
    data: { productId: "onyx-desk-lamp", warehouseId: "blr-01", quantity: 5 },
  });
  expect(response.status()).toBe(201);

  await expect(bengaluru).toHaveText("2 available", { timeout: 2_000 });
  await expect(page.getByTestId("available-hyd-01")).toHaveText("4 available");
  expect(await wasNotReloaded(page)).toBe(true);
});

test.describe("with a short hold", () => {
  test("the checkout turns expired by itself when the time runs out", async ({ browser }) => {
    const shop = await startShop({ HOLD_TTL_SECONDS: "3" });
    try {
      const context = await browser.newContext({ baseURL: shop.url });
      const page = await context.newPage();
      await page.goto("/products/tidal-speaker");
      await reserveOnPage(page);
      await expect(page.getByRole("heading", { name: "Checkout" })).toBeVisible();
      await markPage(page);
      await expect(page.getByRole("heading", { name: "Your hold expired" })).toBeVisible({ timeout: 6_000 });
      await expect(page.getByRole("status")).toHaveText("Your hold has expired. The items are back on sale.");
      expect(await wasNotReloaded(page)).toBe(true);
      await context.close();
    } finally {
      await shop.stop();
    }
  });
});
