import type { Page } from "@playwright/test";
import { testSecrets } from "../helpers/server";
import { expect, setStock, shoot, test } from "./fixtures";

// The console's drops page in a browser: an operator makes a drop, starts
// it with one click, and the shop's page for it is live; a refused form
// says why next to it. With and without JavaScript.

// the operator's zone is not the server's (UTC): times typed are theirs
test.use({ timezoneId: "Asia/Tokyo" });

// The login, with the zone chosen outright (with JavaScript the form
// starts from the browser's own zone, but only once it has hydrated).
async function signInFrom(page: Page, path: string) {
  await page.goto(path);
  await expect(page).toHaveURL(/\/admin\/login\?next=/);
  await page.getByLabel("Operator token").fill(testSecrets.ADMIN_TOKEN);
  await page.getByLabel("Your name").fill("Asha");
  await page.getByLabel("Time zone").selectOption("Asia/Tokyo");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Drops", level: 1 })).toBeVisible();
  await expect(page.getByText("Times in Asia/Tokyo.")).toBeVisible();
}

async function makeDropOnPage(
  page: Page,
  { name, product, startsAt }: { name: string; product: string; startsAt: string },
) {
  const form = page.getByRole("form", { name: "New drop" });
  await form.getByLabel("Name", { exact: true }).fill(name);
  await form.getByRole("checkbox", { name: new RegExp(`^${product}`) }).check();
  await form.getByLabel("Starts").fill(startsAt);
  await form.getByRole("button", { name: "Make drop" }).click();
  return form;
}

test("an operator makes a drop, starts it now, and its shop page is live", async ({ page, shop }) => {
  // three drops made, one started, two screenshots and the shop page: a
  // long scenario that passed its last step at 31.6 s on a busy machine
  test.slow();
  await setStock(shop.db, "marigold-speaker", { "blr-01": 8 });
  await setStock(shop.db, "marigold-soundbar", { "mum-01": 5 });
  await signInFrom(page, "/admin/drops");

  const form = await makeDropOnPage(page, {
    name: "Speaker launch",
    product: "Marigold Speaker",
    startsAt: "2030-01-15T18:00",
  });
  await expect(form.getByRole("status")).toHaveText("Made Speaker launch.");
  const launch = page.getByRole("row", { name: /Speaker launch/ });
  await expect(launch.getByTestId("drop-phase")).toHaveText("Upcoming");
  // on the operator's clock, as typed
  await expect(launch).toContainText("15 Jan 2030, 18:00:00");
  await expect(launch).toContainText("Marigold Speaker · 8 left · 0 waiting");
  // the form starts afresh for the next one
  await expect(form.getByLabel("Name", { exact: true })).toHaveValue("");

  await makeDropOnPage(page, { name: "Soundbar preview", product: "Marigold Soundbar", startsAt: "2030-02-01T10:00" });
  await expect(form.getByRole("status")).toHaveText("Made Soundbar preview.");

  await launch.getByRole("button", { name: "Start Speaker launch now" }).click();
  await expect(launch.getByRole("status")).toHaveText("Speaker launch is live.");
  await expect(launch.getByTestId("drop-phase")).toHaveText("Live now");
  await expect(launch.getByRole("button", { name: "End Speaker launch now" })).toBeVisible();
  // its edit form shows the new start, so saving it never puts the old one back
  const change = page.getByRole("form", { name: "Change Speaker launch" });
  await expect(change.getByLabel("Starts")).not.toHaveValue("2030-01-15T18:00");
  await expect(page.getByRole("row", { name: /Soundbar preview/ }).getByTestId("drop-phase")).toHaveText("Upcoming");
  await shoot(page, "console-drops");

  // the product is in a drop that has not ended: refused, by name
  await makeDropOnPage(page, {
    name: "Second speaker drop",
    product: "Marigold Speaker",
    startsAt: "2030-03-01T10:00",
  });
  await expect(form.getByRole("status")).toHaveText(
    "Already in a drop that has not ended: Marigold Speaker (in Speaker launch). End that drop or take them out of it first.",
  );
  await expect(form.getByLabel("Name", { exact: true })).toHaveValue("Second speaker drop");
  await expect(page.getByRole("row", { name: /Second speaker drop/ })).toHaveCount(0);
  await shoot(page, "console-drops-error");

  await launch.getByRole("link", { name: "Shop page of Speaker launch" }).click();
  await expect(page).toHaveURL(/\/drops\/[\w-]+$/);
  await expect(page.getByRole("heading", { name: "Speaker launch", level: 1 })).toBeVisible();
  await expect(page.getByTestId("drop-phase")).toHaveText("Live now");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the forms still make, change and end a drop", async ({ page, shop }) => {
    await setStock(shop.db, "marigold-turntable", { "hyd-01": 3 });
    await signInFrom(page, "/admin/drops");

    const form = await makeDropOnPage(page, {
      name: "Turntable hour",
      product: "Marigold Turntable",
      startsAt: "2030-04-01T09:30",
    });
    await expect(form.getByRole("status")).toHaveText("Made Turntable hour.");
    const row = page.getByRole("row", { name: /Turntable hour/ });
    await expect(row).toContainText("1 Apr 2030, 09:30:00");

    const edit = page.getByRole("form", { name: "Change Turntable hour" });
    await edit.getByLabel("Per customer").fill("2");
    await edit.getByRole("button", { name: "Save changes" }).click();
    await expect(page.getByRole("form", { name: "Change Turntable hour" }).getByRole("status")).toHaveText("Saved.");
    await expect(row.getByRole("cell").nth(5)).toHaveText("2");

    await row.getByRole("button", { name: "Start Turntable hour now" }).click();
    await expect(row.getByTestId("drop-phase")).toHaveText("Live now");
    await row.getByRole("button", { name: "End Turntable hour now" }).click();
    await expect(row.getByRole("status")).toHaveText("Turntable hour has ended.");
    await expect(row.getByTestId("drop-phase")).toHaveText("Ended");
  });
});
