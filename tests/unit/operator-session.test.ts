import type { AppLoadContext } from "@remix-run/node";
import { describe, expect, test } from "vitest";
import { auditFilterForm } from "~/api/console-forms.server";
import {
  consolePath,
  OPERATOR_SESSION_MS,
  operatorSession,
  requireOperator,
  startOperatorSession,
} from "~/http/operator-session.server";

// The console's sign-in, with the clock moved by hand, and the days its
// audit filter turns into instants.

function contextAt(now: { ms: number }, adminToken = "the-admin-token-0123456789"): AppLoadContext {
  return {
    app: { clock: () => now.ms, env: { SESSION_SECRET: "a-session-secret-0123456789", ADMIN_TOKEN: adminToken } },
  } as unknown as AppLoadContext;
}

const request = (cookie?: string) =>
  new Request("http://shop.test/admin/holds?status=pending", { headers: cookie ? { Cookie: cookie } : {} });

async function signedIn(context: AppLoadContext) {
  const setCookie = await startOperatorSession(request(), context, { operator: "Meera", timeZone: "Asia/Kolkata" });
  return setCookie.split(";")[0]!;
}

describe("the operator's session", () => {
  test("lasts 12 hours by the server's clock, whatever the browser keeps", async () => {
    const now = { ms: Date.UTC(2026, 11, 1, 9) };
    const context = contextAt(now);
    const cookie = await signedIn(context);
    expect(await operatorSession(request(cookie), context)).toEqual({
      operator: "Meera",
      timeZone: "Asia/Kolkata",
      endsAt: now.ms + OPERATOR_SESSION_MS,
    });
    now.ms += OPERATOR_SESSION_MS - 1;
    expect(await operatorSession(request(cookie), context)).not.toBeNull();
    now.ms += 1;
    expect(await operatorSession(request(cookie), context)).toBeNull();
  });

  test("ends for everyone when ADMIN_TOKEN changes", async () => {
    const now = { ms: Date.UTC(2026, 11, 1, 9) };
    const cookie = await signedIn(contextAt(now, "the-old-admin-token-0123456789"));
    expect(await operatorSession(request(cookie), contextAt(now, "the-old-admin-token-0123456789"))).not.toBeNull();
    expect(await operatorSession(request(cookie), contextAt(now, "the-new-admin-token-0123456789"))).toBeNull();
  });

  test("without one, a page redirects to the login with the way back", async () => {
    const thrown = await requireOperator(request(), contextAt({ ms: 0 })).catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(Response);
    expect((thrown as Response).headers.get("Location")).toBe("/admin/login?next=%2Fadmin%2Fholds%3Fstatus%3Dpending");
  });

  test("the way back is a console page of this site or the dashboard", () => {
    expect(consolePath("/admin/products?q=lamp")).toBe("/admin/products?q=lamp");
    expect(consolePath("/admin")).toBe("/admin");
    for (const elsewhere of [
      null,
      "",
      "/products",
      "//evil.example/admin",
      "https://evil.example/admin",
      "/adminx",
      "/admin/\\evil.example",
      "/admin?x\r\nSet-Cookie: a=b",
      "/admin\u0000",
    ]) {
      expect(consolePath(elsewhere)).toBe("/admin");
    }
  });
});

describe("the audit trail's days", () => {
  const range = (from: string, to: string, timeZone: string) =>
    auditFilterForm(new URLSearchParams({ from, to }), timeZone).filter;

  test("a day runs from its own midnight to the next, in the operator's zone", () => {
    expect(range("2026-12-01", "2026-12-01", "Asia/Kolkata")).toMatchObject({
      from: Date.parse("2026-11-30T18:30:00Z"),
      to: Date.parse("2026-12-01T18:30:00Z"),
    });
    expect(range("2026-12-01", "2026-12-02", "UTC")).toMatchObject({
      from: Date.parse("2026-12-01T00:00:00Z"),
      to: Date.parse("2026-12-03T00:00:00Z"),
    });
  });

  test("days that change the clocks are 23 or 25 hours long, and still start at midnight", () => {
    // Berlin: 29 March 2026 loses an hour, 25 October 2026 gains one
    expect(range("2026-03-29", "2026-03-29", "Europe/Berlin")).toMatchObject({
      from: Date.parse("2026-03-28T23:00:00Z"),
      to: Date.parse("2026-03-29T22:00:00Z"),
    });
    expect(range("2026-10-25", "2026-10-25", "Europe/Berlin")).toMatchObject({
      from: Date.parse("2026-10-24T22:00:00Z"),
      to: Date.parse("2026-10-25T23:00:00Z"),
    });
    // Sydney: 4 October 2026 starts at AEST midnight, ends at AEDT midnight
    expect(range("2026-10-04", "2026-10-04", "Australia/Sydney")).toMatchObject({
      from: Date.parse("2026-10-03T14:00:00Z"),
      to: Date.parse("2026-10-04T13:00:00Z"),
    });
  });

  test("a filter that does not parse is left out", () => {
    const { filter, cursor } = auditFilterForm(
      new URLSearchParams({ from: "yesterday", productId: "no spaces", type: "made_up", after: "-1" }),
      "UTC",
    );
    expect(filter).toEqual({
      productId: undefined,
      warehouseId: undefined,
      types: undefined,
      from: undefined,
      to: undefined,
    });
    expect(cursor).toBeNull();
  });
});
