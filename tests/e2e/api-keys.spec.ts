import { expect, setStock, signIn, test } from "./fixtures";

// The console's integrator keys in a browser: a key is shown once, right
// after it is made, and works until it is revoked.

const hold = { productId: "saffron-notebook", warehouseId: "blr-01", quantity: 1 };

test("making a key shows it once; revoking it refuses it at once", async ({ page, shop }) => {
  await setStock(shop.db, "saffron-notebook", { "blr-01": 5 });
  await signIn(page, "/admin/api-keys");
  await expect(page.getByRole("heading", { name: "API keys" })).toBeVisible();

  await page.getByLabel("Who it is for").fill("Checkout on the app");
  await page.getByRole("button", { name: "Make a key" }).click();
  await expect(page.getByRole("heading", { name: /it will not be shown again/ })).toBeVisible();
  // anything that happens in the shop reloads the console's data (its live
  // stream); the key stays on screen through that
  const reloaded = page.waitForResponse(
    (r) => r.request().method() === "GET" && /\/admin\/api-keys\.data/.test(r.url()),
  );
  await page.request.post("/api/reservations", { data: hold });
  await reloaded;
  await expect(page.getByRole("heading", { name: /it will not be shown again/ })).toBeVisible();
  const key = (await page.getByTestId("new-api-key").textContent()) ?? "";
  expect(key).toMatch(/^hfk_[A-Za-z0-9_-]{43}$/);
  const row = page.getByRole("row", { name: /Checkout on the app/ });
  await expect(row.getByText("live")).toBeVisible();
  await expect(row.getByText("never")).toBeVisible();

  const made = await page.request.post("/api/reservations", {
    headers: { Authorization: `Bearer ${key}` },
    data: hold,
  });
  expect(made.status()).toBe(201);

  // gone for good once the page is loaded again; its use is listed
  await page.reload();
  await expect(page.getByRole("heading", { name: "API keys" })).toBeVisible();
  await expect(page.getByTestId("new-api-key")).toHaveCount(0);
  expect(await page.content()).not.toContain(key);
  await expect(row.getByText("never")).toHaveCount(0);

  await row.getByRole("button", { name: "Revoke Checkout on the app" }).click();
  await expect(row.getByRole("status")).toHaveText("Revoked Checkout on the app.");
  await expect(row.getByText("revoked", { exact: true })).toBeVisible();
  await expect(row.getByRole("button", { name: /Revoke/ })).toHaveCount(0);

  const refused = await page.request.post("/api/reservations", {
    headers: { Authorization: `Bearer ${key}` },
    data: hold,
  });
  expect(refused.status()).toBe(401);
});
