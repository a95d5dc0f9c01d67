import { expect, test } from "./fixtures";

// Every page is a plain form or link first: the shop works with JavaScript off.
test.use({ javaScriptEnabled: false });

test("browse, reserve and pay", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("link", { name: "Browse the shop" }).click();
  await expect(page.getByRole("heading", { name: "Shop" })).toBeVisible();
  await page.getByRole("link", { name: "Aurora Speaker" }).click();
  await expect(page.getByRole("heading", { name: "Aurora Speaker" })).toBeVisible();
  await page.getByRole("button", { name: "Reserve" }).click();

  await expect(page).toHaveURL(/\/reservations\//);
  await expect(page.getByRole("heading", { name: "Checkout" })).toBeVisible();
  await expect(page.getByTestId("countdown")).toHaveText(/^\d\d:\d\d$/);
  await page.getByRole("button", { name: /^Pay .* now$/ }).click();
  await expect(page.getByRole("heading", { name: "Payment received — it's yours" })).toBeVisible();
});

test("browse, reserve and cancel", async ({ page }) => {
  await page.goto("/products");
  await page.getByRole("link", { name: "Basalt Wall Clock" }).click();
  await page.getByLabel("Quantity").fill("2");
  await page.getByRole("button", { name: "Reserve" }).click();

  await expect(page.getByRole("heading", { name: "Checkout" })).toBeVisible();
  await expect(page.getByText(/^2 × /)).toBeVisible();
  await page.getByRole("button", { name: "Cancel hold" }).click();
  await expect(page.getByRole("heading", { name: "Hold cancelled" })).toBeVisible();
});

test("Load more is a link to the next page", async ({ page }) => {
  await page.goto("/products");
  const cards = page.getByRole("main").getByRole("listitem");
  await expect(cards).toHaveCount(21);
  await expect(cards.first()).toContainText("Aurora Earbuds");
  await page.getByRole("link", { name: "Load more" }).click();
  await expect(page).toHaveURL(/\/products\?after=/);
  await expect(cards).toHaveCount(21);
  await expect(page.getByRole("link", { name: "Aurora Earbuds" })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "← Back to the first page" })).toBeVisible();
});
