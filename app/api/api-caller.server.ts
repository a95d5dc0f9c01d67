import type { AppLoadContext } from "@remix-run/node";
import { presentedApiKey } from "~/http/api-key.server";
import { bearerToken } from "~/http/credentials.server";
import type { HttpRequest } from "~/http/http-request.server";
import { sessionHolder } from "~/http/session.server";
import { hashSecret, type Holder } from "~/models/holder.server";
import { apiError, type ApiReply } from "./api.server";

// Who an API call comes from: the holder it can prove (a hold token, its
// browser session, or an integrator key, which may act on its customers'
// holds) and its key, if it sent one. A key that is unknown or revoked is
// refused before anything else; a malformed Authorization header is simply
// no token.
export type ApiCaller = { holder: Holder; apiKeyId: string | null };

export async function apiCaller(
  request: HttpRequest,
  context: AppLoadContext,
): Promise<{ ok: true; caller: ApiCaller } | { ok: false; response: ApiReply }> {
  const key = await presentedApiKey(request, context);
  if (key.kind === "refused") return { ok: false, response: unknownKey() };
  const { sessionHash } = await sessionHolder(request, context.app.env.SESSION_SECRET);
  const apiKeyId = key.kind === "live" ? key.id : null;
  const token = apiKeyId === null ? bearerToken(request) : null;
  return {
    ok: true,
    caller: { holder: { tokenHash: token ? hashSecret(token) : null, sessionHash, apiKeyId }, apiKeyId },
  };
}

const unknownKey = () =>
  apiError(401, "unauthorized", "This API key is unknown or revoked", { headers: { "WWW-Authenticate": "Bearer" } });

// An integrator's own call (the waiting line, the event feed): its key is
// required, and it is the key's customers the call is about.
export async function integratorKey(
  request: HttpRequest,
  context: AppLoadContext,
): Promise<{ ok: true; apiKeyId: string } | { ok: false; response: ApiReply }> {
  const from = await apiCaller(request, context);
  if (!from.ok) return from;
  if (from.caller.apiKeyId === null) {
    return {
      ok: false,
      response: apiError(401, "unauthorized", "Send your integrator key: Authorization: Bearer hfk_…", {
        headers: { "WWW-Authenticate": "Bearer" },
      }),
    };
  }
  return { ok: true, apiKeyId: from.caller.apiKeyId };
}
