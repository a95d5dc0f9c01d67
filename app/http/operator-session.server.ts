import { createHash } from "node:crypto";
import { createCookieSessionStorage, redirect, type AppLoadContext, type SessionStorage } from "@remix-run/node";
import type { HttpRequest } from "./http-request.server";
import { takeWrite } from "./rate-limit.server";
import { cameOverHttps } from "./session.server";

// The console's sign-in: after the login form checks ADMIN_TOKEN, the
// browser carries a signed, httpOnly, SameSite=Strict cookie for 12 hours,
// naming the operator (recorded on every change they make) and the time
// zone the console shows dates in. The cookie also carries a fingerprint
// of the token, so rotating ADMIN_TOKEN signs every console out.

export const OPERATOR_SESSION_MS = 12 * 60 * 60 * 1000;

type OperatorSessionData = { operator: string; timeZone: string; since: number; token: string };

// `endsAt`: when the sign-in runs out (epoch ms)
export type OperatorSession = { operator: string; timeZone: string; endsAt: number };

const storages = new Map<string, SessionStorage<OperatorSessionData>>();

function storageFor(secret: string): SessionStorage<OperatorSessionData> {
  let storage = storages.get(secret);
  if (!storage) {
    storage = createCookieSessionStorage<OperatorSessionData>({
      cookie: {
        name: "__holdfast_operator",
        httpOnly: true,
        sameSite: "strict",
        // not "/admin": the console's own data requests go to /admin.data,
        // which that path would not cover
        path: "/",
        secrets: [secret],
        maxAge: OPERATOR_SESSION_MS / 1000,
      },
    });
    storages.set(secret, storage);
  }
  return storage;
}

function fingerprint(token: string): string {
  return createHash("sha256").update(`operator-session:${token}`).digest("base64url").slice(0, 22);
}

export async function operatorSession(request: HttpRequest, { app }: AppLoadContext): Promise<OperatorSession | null> {
  const session = await storageFor(app.env.SESSION_SECRET).getSession(request.headers.get("Cookie"));
  const { operator, timeZone, since, token } = session.data;
  if (!operator || !timeZone || since === undefined || token !== fingerprint(app.env.ADMIN_TOKEN)) return null;
  // the cookie's own expiry is the browser's to keep; this one is ours
  const now = app.clock();
  if (now < since || now - since >= OPERATOR_SESSION_MS) return null;
  return { operator, timeZone, endsAt: since + OPERATOR_SESSION_MS };
}

// The signed-in operator, or a redirect to the login page that comes back
// here afterwards.
export async function requireOperator(request: HttpRequest, context: AppLoadContext): Promise<OperatorSession> {
  const session = await operatorSession(request, context);
  if (session) return session;
  const url = new URL(request.url);
  throw redirect(`/admin/login?${new URLSearchParams({ next: url.pathname + url.search })}`);
}

export async function startOperatorSession(
  request: HttpRequest,
  { app }: AppLoadContext,
  { operator, timeZone }: { operator: string; timeZone: string },
): Promise<string> {
  const storage = storageFor(app.env.SESSION_SECRET);
  const session = await storage.getSession();
  session.set("operator", operator);
  session.set("timeZone", timeZone);
  session.set("since", app.clock());
  session.set("token", fingerprint(app.env.ADMIN_TOKEN));
  return storage.commitSession(session, { secure: cameOverHttps(request) });
}

export async function endOperatorSession(request: HttpRequest, { app }: AppLoadContext): Promise<string> {
  const storage = storageFor(app.env.SESSION_SECRET);
  return storage.destroySession(await storage.getSession(request.headers.get("Cookie")));
}

// Where the login page may send the operator back to: a console page of
// this site, nothing else.
export function consolePath(next: string | null): string {
  if (!next || !/^\/admin(\/|\?|$)/.test(next)) return "/admin";
  // no backslash (a browser reads it as a slash) and no control characters
  const unsafe = [...next].some((c) => c === "\\" || c < " " || c === "\u007f");
  return unsafe ? "/admin" : next;
}

// A console page's change: signed in, and within the rate limit on writes
// (an operator's browser is one more client of the shop).
export async function requireOperatorWrite(request: HttpRequest, context: AppLoadContext): Promise<OperatorSession> {
  const session = await requireOperator(request, context);
  const retryAfter = takeWrite(context);
  if (retryAfter !== null) {
    throw new Response(`Too many changes from your network just now. Try again in ${retryAfter} s.`, {
      status: 429,
      headers: { "Retry-After": String(retryAfter) },
    });
  }
  return session;
}
