import type { Client } from "@libsql/client";
import type { Page } from "@playwright/test";
import { expect, markPage, reserveOnPage, setStock, shoot, test, wasNotReloaded } from "./fixtures";

// The checkout's lines change in place while the hold is pending, and a
// hold that ends puts its lines back in the cart. These tests use the
// teak-* products, which no other browser test touches.

async function rowOf(db: Client, productId: string, warehouseId: string) {
  const result = await db.execute({
    sql: "SELECT reserved FROM inventory WHERE product_id = ? AND warehouse_id = ?",
    args: [productId, warehouseId],
  });
  return Number(result.rows[0]?.reserved);
}

async function expiresAt(db: Client, id: string) {
  const result = await db.execute({ sql: "SELECT expires_at FROM reservations WHERE id = ?", args: [id] });
  return Number(result.rows[0]?.expires_at);
}

// A hold of two lines made by this browser (its session), opened at checkout.
async function twoLineHold(page: Page): Promise<string> {
  // the first hold gives the browser its session, which the API then uses
  await page.goto("/products/teak-linen-cushion");
  await reserveOnPage(page, { warehouse: "Bengaluru" });
  await expect(page.getByRole("heading", { name: "Checkout" })).toBeVisible();
  const made = await page.request.post("/api/reservations", {
    data: {
      items: [
        { productId: "teak-wall-clock", warehouseId: "blr-01", quantity: 1 },
        { productId: "teak-ceramic-vase", warehouseId: "blr-01", quantity: 2 },
      ],
    },
  });
  expect(made.status()).toBe(201);
  const { reservation } = (await made.json()) as { reservation: { id: string } };
  await page.goto(`/reservations/${reservation.id}`);
  return reservation.id;
}

const line = (page: Page, name: string) => page.getByRole("listitem").filter({ hasText: name });

test("a pending hold's lines change in place; the countdown does not move", async ({ page, shop }) => {
  await setStock(shop.db, "teak-wall-clock", { "blr-01": 3 });
  await setStock(shop.db, "teak-ceramic-vase", { "blr-01": 10 });
  await setStock(shop.db, "teak-linen-cushion", { "blr-01": 10 });
  const id = await twoLineHold(page);
  const deadline = await expiresAt(shop.db, id);
  await markPage(page);
  const clock = line(page, "Teak Wall Clock");
  await expect(page.getByTestId("order-total")).toHaveText("₹5,397");

  await clock.getByRole("button", { name: "One more Teak Wall Clock" }).click();
  await expect(clock.getByTestId("line-quantity")).toHaveText("2");
  await expect(page.getByTestId("order-total")).toHaveText("₹6,396");
  await clock.getByRole("button", { name: "One more Teak Wall Clock" }).click();
  await expect(clock.getByText("3 × ₹999")).toBeVisible();
  expect(await rowOf(shop.db, "teak-wall-clock", "blr-01")).toBe(3);

  // the row has nothing more: said on the line, nothing changes
  await clock.getByRole("button", { name: "One more Teak Wall Clock" }).click();
  await expect(clock.getByRole("alert")).toHaveText("No more left at Bengaluru.");
  await expect(clock.getByTestId("line-quantity")).toHaveText("3");
  await shoot(page, "checkout-changeable");

  await clock.getByRole("button", { name: "One fewer Teak Wall Clock" }).click();
  await expect(clock.getByText("2 × ₹999")).toBeVisible();
  expect(await rowOf(shop.db, "teak-wall-clock", "blr-01")).toBe(2);

  await line(page, "Teak Ceramic Vase").getByRole("button", { name: "Remove Teak Ceramic Vase" }).click();
  await expect(line(page, "Teak Ceramic Vase")).toHaveCount(0);
  await expect(page.getByTestId("order-total")).toHaveText("₹1,998");
  expect(await rowOf(shop.db, "teak-ceramic-vase", "blr-01")).toBe(0);

  expect(await expiresAt(shop.db, id)).toBe(deadline);
  expect(await wasNotReloaded(page)).toBe(true);
  await expect(page.getByRole("button", { name: "Remove Teak Wall Clock and cancel the hold" })).toBeVisible();
  await page.getByRole("button", { name: "Remove Teak Wall Clock and cancel the hold" }).click();
  await expect(page.getByRole("heading", { name: "Hold cancelled" })).toBeVisible();
  expect(await rowOf(shop.db, "teak-wall-clock", "blr-01")).toBe(0);
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the stepper and remove are plain forms that come back to the checkout", async ({ page, shop }) => {
    await setStock(shop.db, "teak-scented-candle", { "mum-01": 5 });
    await page.goto("/products/teak-scented-candle");
    await reserveOnPage(page, { warehouse: "Mumbai" });
    await expect(page.getByRole("heading", { name: "Checkout" })).toBeVisible();
    await page.getByRole("button", { name: "One more Teak Scented Candle" }).click();
    await expect(page.getByRole("heading", { name: "Checkout" })).toBeVisible();
    await expect(page.getByTestId("line-quantity")).toHaveText("2");
    expect(await rowOf(shop.db, "teak-scented-candle", "mum-01")).toBe(2);
    await page.getByRole("button", { name: "Remove Teak Scented Candle and cancel the hold" }).click();
    await expect(page.getByRole("heading", { name: "Hold cancelled" })).toBeVisible();
    expect(await rowOf(shop.db, "teak-scented-candle", "mum-01")).toBe(0);
  });
});

test("an expired hold's lines are back in the cart, and Hold again is one click", async ({ page, shop }) => {
  await setStock(shop.db, "teak-throw-blanket", { "mum-01": 5 });
  await page.goto("/products/teak-throw-blanket");
  await reserveOnPage(page, { warehouse: "Mumbai", quantity: 2 });
  await expect(page.getByRole("heading", { name: "Checkout" })).toBeVisible();
  const id = page.url().split("/").pop() ?? "";
  // the hold's time is up (no waiting: its deadline is moved to its start)
  await shop.db.execute({ sql: "UPDATE reservations SET expires_at = created_at + 1 WHERE id = ?", args: [id] });
  await page.reload();
  await expect(page.getByRole("heading", { name: "Your hold expired" })).toBeVisible();
  await expect(page.getByTestId("back-in-cart")).toHaveText(
    "These items are back in your cart, so you can hold them again in one click.",
  );
  expect(await rowOf(shop.db, "teak-throw-blanket", "mum-01")).toBe(0);
  await shoot(page, "checkout-expired-back-in-cart");
  await page.getByRole("button", { name: "Hold again" }).click();
  await expect(page.getByRole("heading", { name: "Checkout" })).toBeVisible();
  await expect(page).not.toHaveURL(new RegExp(id));
  await expect(page.getByText("2 × ")).toBeVisible();
  expect(await rowOf(shop.db, "teak-throw-blanket", "mum-01")).toBe(2);
});
