import type { AppLoadContext } from "@remix-run/node";
import { describe, expect, test } from "vitest";
import {
  consolePath,
  OPERATOR_SESSION_MS,
  operatorSession,
  requireOperator,
  startOperatorSession,
} from "~/http/operator-session.server";

// The console's sign-in, with the clock moved by hand.

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
    expect(await operatorSession(request(cookie), context)).toEqual({ operator: "Meera", timeZone: "Asia/Kolkata" });
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
    for (const elsewhere of [null, "", "/products", "//evil.example/admin", "https://evil.example/admin", "/adminx"]) {
      expect(consolePath(elsewhere)).toBe("/admin");
    }
  });
});
