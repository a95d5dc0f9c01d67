import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { call } from "../helpers/api";
import { testDatabaseUrl } from "../helpers/database";
import { noClientLimits, startServer, testSecrets, type RunningServer } from "../helpers/server";

// The console's drops page over HTTP, as a browser without JavaScript
// uses it: its forms make and change drops the way the admin API does, with
// the times an operator types read on their own wall clock.

let server: RunningServer;
const url = testDatabaseUrl();

beforeAll(async () => {
  server = await startServer({ DATABASE_URL: url, ...noClientLimits });
});
afterAll(async () => {
  await server.stop();
});

type ApiDrop = {
  id: string;
  name: string;
  productIds: string[];
  phase: string;
  startsAt: string;
  endsAt: string | null;
  holdTtlSeconds: number;
  maxPerCustomer: number;
  extensions: number;
};

const formHeaders = { "Content-Type": "application/x-www-form-urlencoded" };

async function signIn(timeZone: string): Promise<string> {
  const response = await fetch(`${server.url}/admin/login`, {
    method: "POST",
    redirect: "manual",
    headers: formHeaders,
    body: new URLSearchParams({ token: testSecrets.ADMIN_TOKEN, name: "Meera", timeZone }),
  });
  expect(response.status).toBe(302);
  return (response.headers.get("set-cookie") ?? "").split(";")[0]!;
}

// A form post: `fields` in order, a field given twice for each of its values.
function post(cookie: string | null, fields: [string, string][], headers: Record<string, string> = {}) {
  return fetch(`${server.url}/admin/drops`, {
    method: "POST",
    redirect: "manual",
    headers: { ...formHeaders, ...(cookie ? { Cookie: cookie } : {}), ...headers },
    body: new URLSearchParams(fields),
  });
}

const newDrop = (
  name: string,
  productIds: string[],
  startsAt: string,
  more: Record<string, string> = {},
): [string, string][] => [
  ["intent", "create"],
  ["name", name],
  ...productIds.map((id): [string, string] => ["productIds", id]),
  ["startsAt", startsAt],
  ["endsAt", more.endsAt ?? ""],
  ["holdTtlSeconds", more.holdTtlSeconds ?? "60"],
  ["maxPerCustomer", more.maxPerCustomer ?? "1"],
  ["extensions", more.extensions ?? "0"],
];

// the page's HTML without the markers React puts between a text and a value
async function pageText(cookie: string): Promise<string> {
  const response = await fetch(`${server.url}/admin/drops`, { headers: { Cookie: cookie } });
  expect(response.status).toBe(200);
  return (await response.text()).replaceAll("<!-- -->", "");
}

async function dropsNamed(name: string): Promise<ApiDrop[]> {
  const listed = await call(server.url, "/api/drops");
  return (listed.body as { drops: ApiDrop[] }).drops.filter((d) => d.name === name);
}

async function dropNamed(name: string): Promise<ApiDrop> {
  const [drop] = await dropsNamed(name);
  expect(drop, name).toBeDefined();
  return drop!;
}

describe("who may use it", () => {
  test("without a sign-in the page and its forms go to the login, and nothing is made", async () => {
    const page = await fetch(`${server.url}/admin/drops`, { redirect: "manual" });
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe(`/admin/login?${new URLSearchParams({ next: "/admin/drops" })}`);

    const made = await post(null, newDrop("Sneaky drop", ["cedar-speaker"], "2030-01-01T10:00"));
    expect(made.status).toBe(302);
    expect(made.headers.get("location")).toMatch(/^\/admin\/login\?next=/);
    expect(await dropsNamed("Sneaky drop")).toEqual([]);
  });

  test("a form posted from another site is refused, even with the cookie", async () => {
    const cookie = await signIn("UTC");
    const response = await post(cookie, newDrop("Cross-site drop", ["cedar-speaker"], "2030-01-01T10:00"), {
      Origin: "https://evil.example",
    });
    expect(response.status).toBe(403);
    expect(await dropsNamed("Cross-site drop")).toEqual([]);
  });

  test("the console's navigation has the page", async () => {
    const page = await fetch(`${server.url}/admin`, { headers: { Cookie: await signIn("UTC") } });
    expect(await page.text()).toMatch(/<a[^>]*href="\/admin\/drops"[^>]*>Drops<\/a>/);
  });
});

describe("making a drop", () => {
  test("the times typed are read in the operator's time zone, and the table shows them back in it", async () => {
    const kolkata = await signIn("Asia/Kolkata");
    const made = await post(
      kolkata,
      newDrop("Marigold launch", ["marigold-speaker"], "2030-01-15T18:00", {
        endsAt: "2030-01-15T19:30",
        holdTtlSeconds: "90",
        maxPerCustomer: "2",
        extensions: "1",
      }),
    );
    expect(made.status).toBe(200);
    expect(await made.text()).toContain("Made Marigold launch.");
    expect(await dropNamed("Marigold launch")).toMatchObject({
      productIds: ["marigold-speaker"],
      phase: "upcoming",
      startsAt: "2030-01-15T12:30:00.000Z",
      endsAt: "2030-01-15T14:00:00.000Z",
      holdTtlSeconds: 90,
      maxPerCustomer: 2,
      extensions: 1,
    });

    const page = await pageText(kolkata);
    expect(page).toContain("Times in Asia/Kolkata.");
    expect(page).toContain("15 Jan 2030, 18:00:00");
    expect(page).toMatch(/Marigold Speaker <span[^>]*>· [\d,]+ left · 0 waiting/);
    // the edit form shows the same wall-clock time
    expect(page).toContain('value="2030-01-15T18:00"');

    // the same page in another zone shows the same instant on its clock
    const utcPage = await (
      await fetch(`${server.url}/admin/drops`, { headers: { Cookie: await signIn("UTC") } })
    ).text();
    expect(utcPage).toContain("15 Jan 2030, 12:30:00");
  });

  test("summer time, and a time the clocks skip, are read as a calendar reads them", async () => {
    const newYork = await signIn("America/New_York");
    // summer: four hours behind UTC, not five
    await post(newYork, newDrop("Summer drop", ["cedar-speaker"], "2030-07-01T09:00"));
    expect((await dropNamed("Summer drop")).startsAt).toBe("2030-07-01T13:00:00.000Z");
    // 02:30 on the night the clocks go forward does not exist: it is 03:30
    await post(newYork, newDrop("Spring-forward drop", ["cedar-soundbar"], "2030-03-10T02:30"));
    expect((await dropNamed("Spring-forward drop")).startsAt).toBe("2030-03-10T07:30:00.000Z");
    // 01:30 on the night they go back happens twice: the first one
    await post(newYork, newDrop("Fall-back drop", ["cedar-turntable"], "2030-11-03T01:30"));
    expect((await dropNamed("Fall-back drop")).startsAt).toBe("2030-11-03T05:30:00.000Z");
  });

  test("a product in another drop is refused by name, and the form comes back as it was sent", async () => {
    const cookie = await signIn("Asia/Kolkata");
    const response = await post(cookie, newDrop("Second try", ["marigold-speaker"], "2030-02-01T10:00"));
    expect(response.status).toBe(409);
    const page = await response.text();
    expect(page).toContain(
      "Already in a drop that has not ended: Marigold Speaker (in Marigold launch). End that drop or take them out of it first.",
    );
    expect(page).toContain('value="Second try"');
    const box = /<input[^>]*value="marigold-speaker"[^>]*>/.exec(page)?.[0];
    expect(box).toContain('checked=""');
    expect(await dropsNamed("Second try")).toEqual([]);
  });

  test("a window that ends before it starts, or a time that is none, is refused next to the form", async () => {
    const cookie = await signIn("UTC");
    const backwards = await post(
      cookie,
      newDrop("Backwards", ["juniper-desk-mat"], "2030-02-01T10:00", { endsAt: "2030-02-01T09:00" }),
    );
    expect(backwards.status).toBe(400);
    expect(await backwards.text()).toContain("Ends: must be after the start");
    const nonsense = await post(cookie, newDrop("Nonsense", ["juniper-desk-mat"], "2030-02-30T10:00"));
    expect(nonsense.status).toBe(400);
    expect(await nonsense.text()).toContain("Starts: enter a date and a time");
    const short = await post(
      cookie,
      newDrop("Too short", ["juniper-desk-mat"], "2030-02-01T10:00", { holdTtlSeconds: "5" }),
    );
    expect(short.status).toBe(400);
    expect(await short.text()).toContain("Hold length: must be at least 10");
    expect(await dropsNamed("Backwards")).toEqual([]);
  });
});

describe("changing a drop", () => {
  test("Start now opens an upcoming drop, End now ends it, and a second press moves nothing", async () => {
    const cookie = await signIn("UTC");
    await post(cookie, newDrop("Button drop", ["onyx-notebook"], "2031-05-01T10:00"));
    const { id } = await dropNamed("Button drop");

    const started = await post(cookie, [
      ["intent", "start"],
      ["id", id],
    ]);
    expect(started.status).toBe(200);
    expect(await started.text()).toContain("Button drop is live.");
    const live = (await call(server.url, `/api/drops/${id}`)).body as { drop: ApiDrop };
    expect(live.drop.phase).toBe("live");
    expect(Math.abs(Date.parse(live.drop.startsAt) - Date.now())).toBeLessThan(10_000);

    const ended = await post(cookie, [
      ["intent", "end"],
      ["id", id],
    ]);
    expect(await ended.text()).toContain("Button drop has ended.");
    const over = (await call(server.url, `/api/drops/${id}`)).body as { drop: ApiDrop };
    expect(over.drop.phase).toBe("ended");

    const again = await post(cookie, [
      ["intent", "end"],
      ["id", id],
    ]);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain("Button drop has ended already.");
    expect(((await call(server.url, `/api/drops/${id}`)).body as { drop: ApiDrop }).drop.endsAt).toBe(over.drop.endsAt);
    // the product is free for a new drop once its drop has ended
    const next = await post(cookie, newDrop("After the buttons", ["onyx-notebook"], "2031-06-01T10:00"));
    expect(next.status).toBe(200);
  });

  test("an edit sends only what the operator changed: a change made meanwhile elsewhere stays", async () => {
    const cookie = await signIn("Asia/Kolkata");
    await post(
      cookie,
      newDrop("Edited drop", ["zenith-wall-clock"], "2031-01-15T18:00", { endsAt: "2031-01-15T20:00" }),
    );
    const { id } = await dropNamed("Edited drop");
    // meanwhile, an integrator renames it over the API
    const renamed = await call(server.url, `/api/admin/drops/${id}`, {
      method: "PATCH",
      body: { name: "Renamed elsewhere" },
      headers: { Authorization: `Bearer ${testSecrets.ADMIN_TOKEN}`, "X-Operator": "Kavya" },
    });
    expect(renamed.status).toBe(200);

    // the form as the page showed it before, with the end moved and the limit raised
    const shown = {
      name: "Edited drop",
      startsAt: "2031-01-15T18:00",
      endsAt: "2031-01-15T20:00",
      holdTtlSeconds: "60",
      maxPerCustomer: "1",
      extensions: "0",
    };
    const edit = (changes: Record<string, string>) =>
      post(cookie, [
        ["intent", "edit"],
        ["id", id],
        ...Object.entries(shown).map(([key, value]): [string, string] => [`was.${key}`, value]),
        ...Object.entries({ ...shown, ...changes }),
      ]);
    const saved = await edit({ endsAt: "2031-01-15T21:15:30", maxPerCustomer: "3" });
    expect(saved.status).toBe(200);
    expect(await saved.text()).toContain("Saved.");
    expect(await dropNamed("Renamed elsewhere")).toMatchObject({
      id,
      startsAt: "2031-01-15T12:30:00.000Z",
      endsAt: "2031-01-15T15:45:30.000Z",
      maxPerCustomer: 3,
      holdTtlSeconds: 60,
    });

    expect(await (await edit({})).text()).toContain("Nothing changed: edit a field first.");
    // an end emptied: open until an operator sets one
    await edit({ endsAt: "" });
    expect((await dropNamed("Renamed elsewhere")).endsAt).toBeNull();
    // an end before the start is refused by the write, against the drop as it is
    const refused = await edit({ startsAt: "2031-01-16T09:00", endsAt: "2031-01-16T08:00" });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("Ends: must be after the start");
  });

  test("a drop that is not there is a 404", async () => {
    const cookie = await signIn("UTC");
    const response = await post(cookie, [
      ["intent", "start"],
      ["id", "01930000-0000-7000-8000-000000000000"],
    ]);
    expect(response.status).toBe(404);
  });
});
