import { randomBytes } from "node:crypto";
import { createCookieSessionStorage, type SessionStorage } from "@remix-run/node";
import { hashSecret, type Holder } from "~/models/holder.server";
import type { HttpRequest } from "./http-request.server";

// A browser's holds belong to its session: an httpOnly, signed cookie that
// carries a random holder id. Only its hash is stored with a reservation.

type SessionData = { holderId: string };

const storages = new Map<string, SessionStorage<SessionData>>();

function storageFor(secret: string): SessionStorage<SessionData> {
  let storage = storages.get(secret);
  if (!storage) {
    storage = createCookieSessionStorage<SessionData>({
      cookie: {
        name: "__holdfast",
        httpOnly: true,
        sameSite: "lax",
        path: "/",
        secrets: [secret],
        maxAge: 60 * 60 * 24 * 30,
      },
    });
    storages.set(secret, storage);
  }
  return storage;
}

// `Secure` only when the request really came over HTTPS, so the shop also
// works on http://127.0.0.1 with NODE_ENV=production. The request's URL
// carries the protocol the server determined (client.server.ts: behind a
// trusted proxy, the one the proxy reports; otherwise the socket's), never
// a header anyone could send.
export function cameOverHttps(request: HttpRequest): boolean {
  return new URL(request.url).protocol === "https:";
}

// The session's holder, if the browser already has one.
export async function sessionHolder(request: HttpRequest, secret: string): Promise<Holder> {
  const cookie = request.headers.get("Cookie");
  // an integrator's call has no cookie: an empty session parsed for each one
  // was 1 % of the main thread on holds over the API
  if (cookie === null) return { tokenHash: null, sessionHash: null };
  const session = await storageFor(secret).getSession(cookie);
  const holderId = session.get("holderId");
  return { tokenHash: null, sessionHash: holderId ? hashSecret(holderId) : null };
}

// The session's holder, creating one if needed; `setCookie` is set when the
// response must carry a new cookie.
export async function ensureSessionHolder(
  request: HttpRequest,
  secret: string,
): Promise<{ sessionHash: string; setCookie: string | null }> {
  const storage = storageFor(secret);
  const session = await storage.getSession(request.headers.get("Cookie"));
  const existing = session.get("holderId");
  if (existing) return { sessionHash: hashSecret(existing), setCookie: null };
  const holderId = randomBytes(24).toString("base64url");
  session.set("holderId", holderId);
  const setCookie = await storage.commitSession(session, { secure: cameOverHttps(request) });
  return { sessionHash: hashSecret(holderId), setCookie };
}
