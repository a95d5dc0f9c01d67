import type { Page } from "@playwright/test";
import { expect, makeDrop, markPage, setStock, test, wasNotReloaded } from "./fixtures";

// Drops in the browser: the button waits for the start on the server's
// clock and turns on by itself, the last unit goes to one of two racing
// shoppers, and the page follows payments and the waiting line live.

test("the reserve button turns on at the start by itself", async ({ page, shop }) => {
  await setStock(shop.db, "monsoon-chefs-knife", { "blr-01": 5 });
  const id = await makeDrop(page.request, {
    name: "Turntable drop",
    productIds: ["monsoon-chefs-knife"],
    // far enough ahead for the page to load first on a busy machine
    startsInMs: 8_000,
  });
  await page.goto(`/drops/${id}`);
  await markPage(page);

  await expect(page.getByTestId("drop-phase")).toHaveText("Upcoming");
  await expect(page.getByTestId("drop-countdown")).toHaveText(/^00:0\d$/);
  await expect(page.getByRole("button", { name: "Opens at the start" })).toBeDisabled();
  await expect(page.getByRole("button", { name: "Reserve" })).toBeEnabled({ timeout: 15_000 });
  await expect(page.getByTestId("drop-phase")).toHaveText("Live now");
  expect(await wasNotReloaded(page)).toBe(true);

  await page.getByLabel("Your name for the top purchasers list").fill("Asha");
  await page.getByRole("button", { name: "Reserve" }).click();
  await expect(page).toHaveURL(/\/reservations\//);
  // a drop's hold is the drop's length
  await expect(page.getByTestId("countdown")).toHaveText(/^0[01]:\d\d$/);
});

test("two shoppers race for the last unit: one holds it, the other is told it sold out", async ({
  browser,
  shop,
  baseURL,
  page,
}) => {
  // three browser contexts on a machine shared with another worker: their
  // pages alone have taken 20 s, so the race gets the slow budget
  test.slow();
  await setStock(shop.db, "slate-chefs-knife", { "blr-01": 1 });
  const id = await makeDrop(page.request, {
    name: "Speaker drop",
    productIds: ["slate-chefs-knife"],
    startsInMs: -1_000,
  });
  const shoppers = await Promise.all([browser.newContext({ baseURL }), browser.newContext({ baseURL })]);
  const pages = await Promise.all(shoppers.map((c) => c.newPage()));
  await Promise.all(pages.map((p) => p.goto(`/drops/${id}`)));
  for (const [i, p] of pages.entries()) {
    await p.getByLabel("Your name for the top purchasers list").fill(`Racer ${i + 1}`);
    await expect(p.getByRole("button", { name: "Reserve" })).toBeEnabled();
  }

  // both forms are sent at once (a click would wait for the button to be
  // still). The loser is told either way: its own answer ("Sold out just
  // now"), or, when the winner's hold reaches its page live first, its card
  // turns into the waiting line and the late form is never sent (seen in CI)
  await Promise.all(
    pages.map((p) =>
      p
        .getByRole("button", { name: "Reserve" })
        .evaluate((button: HTMLButtonElement) => button.form?.requestSubmit(button)),
    ),
  );

  const holding = (p: Page) => /\/reservations\//.test(p.url());
  await expect.poll(() => pages.filter(holding).length, { timeout: 30_000 }).toBe(1);
  const loser = pages.find((p) => !holding(p))!;
  await expect(loser.getByRole("button", { name: "Join the waiting line" })).toBeVisible();
  expect(holding(loser)).toBe(false);
  const held = await shop.db.execute(
    "SELECT reserved FROM inventory WHERE product_id = 'slate-chefs-knife' AND warehouse_id = 'blr-01'",
  );
  expect(Number(held.rows[0]?.reserved)).toBe(1);
  await Promise.all(shoppers.map((c) => c.close()));
});

test("the top purchasers change live after a payment", async ({ browser, shop, baseURL, page }) => {
  await setStock(shop.db, "tidal-earbuds", { "blr-01": 5 });
  const id = await makeDrop(page.request, { name: "Earbuds drop", productIds: ["tidal-earbuds"], startsInMs: -1_000 });
  await page.goto(`/drops/${id}`);
  await markPage(page);
  await expect(page.getByText("Nobody has paid yet.")).toBeVisible();

  const buyer = await browser.newContext({ baseURL });
  const buyerPage = await buyer.newPage();
  await buyerPage.goto(`/drops/${id}`);
  await buyerPage.getByLabel("Your name for the top purchasers list").fill("Bea");
  await buyerPage.getByRole("button", { name: "Reserve" }).click();
  await buyerPage.getByRole("button", { name: /^Pay .* now$/ }).click();
  await expect(buyerPage.getByRole("heading", { name: "Payment received — it's yours" })).toBeVisible();

  await expect(page.getByTestId("top-purchasers")).toContainText("Bea");
  await expect(page.getByTestId("drop-product-tidal-earbuds").getByTestId("available")).toHaveText("4 left");
  expect(await wasNotReloaded(page)).toBe(true);
  // the buyer's own line says it is theirs
  await buyerPage.goto(`/drops/${id}`);
  await expect(buyerPage.getByTestId("top-purchasers")).toContainText("Bea (you)");
  await buyer.close();
});

test("a waiting shopper's page turns into an offered hold when another shopper cancels", async ({
  browser,
  shop,
  baseURL,
  page,
}) => {
  await setStock(shop.db, "kestrel-chefs-knife", { "blr-01": 1 });
  const id = await makeDrop(page.request, {
    name: "Speaker line",
    productIds: ["kestrel-chefs-knife"],
    startsInMs: -1_000,
  });
  const holder = await browser.newContext({ baseURL });
  const holderPage = await holder.newPage();
  await holderPage.goto(`/drops/${id}`);
  await holderPage.getByLabel("Your name for the top purchasers list").fill("Ann");
  await holderPage.getByRole("button", { name: "Reserve" }).click();
  await expect(holderPage).toHaveURL(/\/reservations\//);

  await page.goto(`/drops/${id}`);
  await page.getByRole("button", { name: "Join the waiting line" }).click();
  await expect(page.getByTestId("own-place")).toContainText("You're #1 in line");
  await markPage(page);

  await holderPage.getByRole("button", { name: "Cancel hold" }).click();
  await expect(holderPage.getByRole("heading", { name: "Hold cancelled" })).toBeVisible();

  await expect(page.getByTestId("own-hold")).toContainText("A unit came back for you");
  expect(await wasNotReloaded(page)).toBe(true);
  await page.getByRole("link", { name: "Go to checkout" }).click();
  await expect(page.getByRole("heading", { name: "Checkout" })).toBeVisible();
  await holder.close();
});

test.describe("with JavaScript off", () => {
  test.use({ javaScriptEnabled: false });

  test("the drop page's form is there, and the answer says how long is left", async ({ page, shop }) => {
    await setStock(shop.db, "tidal-soundbar", { "blr-01": 5 });
    const id = await makeDrop(page.request, {
      name: "Soundbar drop",
      productIds: ["tidal-soundbar"],
      startsInMs: 3_600_000,
    });
    await page.goto(`/drops/${id}`);

    await expect(page.getByTestId("drop-countdown")).toHaveText(/^59:\d\d$|^1 h 00:00$/);
    await page.getByLabel("Your name for the top purchasers list").fill("Noor");
    await page.getByRole("button", { name: "Reserve" }).click();

    await expect(page.getByRole("alert")).toHaveText(
      /^The drop opens in 59 min \d+ s\. Nothing can be held before then\.$/,
    );
  });
});
