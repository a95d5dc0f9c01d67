import { expect, reserveOnPage, setStock, test } from "./fixtures";

test("two shoppers press Reserve on the last unit together: one gets it, the other is told where else", async ({
  browser,
  shop,
  baseURL,
}) => {
  await setStock(shop.db, "kestrel-kettle", { "mum-01": 1, "del-01": 3 });
  const shoppers = await Promise.all([browser.newContext({ baseURL }), browser.newContext({ baseURL })]);
  const pages = await Promise.all(shoppers.map((c) => c.newPage()));
  await Promise.all(pages.map((p) => p.goto("/products/kestrel-kettle")));
  for (const page of pages) {
    await page.getByRole("radio", { name: "Mumbai" }).check();
    await expect(page.getByRole("button", { name: "Reserve" })).toBeEnabled();
  }

  await Promise.all(pages.map((p) => p.getByRole("button", { name: "Reserve" }).click()));

  const outcomes = await Promise.all(
    pages.map(async (page) => {
      const won = page.waitForURL(/\/reservations\//).then(() => "won" as const);
      const lost = page
        .getByRole("alert")
        .filter({ hasText: "Sold out at Mumbai — 3 left at Delhi" })
        .waitFor()
        .then(() => "lost" as const);
      return Promise.race([won, lost]);
    }),
  );
  expect([...outcomes].sort()).toEqual(["lost", "won"]);

  // the loser is still on the product page, and the form now offers Delhi
  const loser = pages[outcomes.indexOf("lost")]!;
  await expect(loser).toHaveURL(/\/products\/kestrel-kettle$/);
  await expect(loser.getByRole("radio", { name: "Delhi" })).toBeChecked();
  await reserveOnPage(loser);
  await expect(loser).toHaveURL(/\/reservations\//);
  await expect(loser.getByRole("heading", { name: "Checkout" })).toBeVisible();
  await Promise.all(shoppers.map((c) => c.close()));
});
