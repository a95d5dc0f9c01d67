import { expect, reserveOnPage, test } from "./fixtures";

test("Load more appends the next 21 in place, to the end of the catalogue", async ({ page }) => {
  await page.goto("/products");
  const cards = page.getByRole("main").getByRole("listitem");
  await expect(cards).toHaveCount(21);
  const more = page.getByRole("link", { name: "Load more" });
  await more.click();
  await expect(cards).toHaveCount(42);
  // the first new product has the focus, so keyboard users carry on from there
  await expect(page.getByRole("link", { name: "Ember Linen Cushion" })).toBeFocused();
  for (const expected of [63, 84, 100]) {
    await more.click();
    await expect(cards).toHaveCount(expected);
  }
  await expect(page).toHaveURL(/\/products$/);
  await expect(more).toHaveCount(0);
  await expect(page.getByText("That's everything in the shop.")).toBeVisible();
  await expect(page.getByRole("link", { name: "Zenith Wall Clock" })).toBeVisible();
});

test("a stranger who opens someone's checkout URL gets 404", async ({ page, browser, baseURL }) => {
  await page.goto("/products/cedar-speaker");
  await reserveOnPage(page);
  await expect(page).toHaveURL(/\/reservations\//);
  const checkout = page.url();

  const stranger = await browser.newContext({ baseURL });
  const strangerPage = await stranger.newPage();
  const response = await strangerPage.goto(checkout);
  expect(response?.status()).toBe(404);
  await expect(strangerPage.getByRole("heading", { name: "We couldn't find that page" })).toBeVisible();
  expect((await strangerPage.request.get(`${checkout}/events`)).status()).toBe(404);
  await stranger.close();
});
