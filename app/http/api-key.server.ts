import type { AppLoadContext } from "@remix-run/node";
import { API_KEY_PREFIX, findApiKey, lastUseIsDue, recordApiKeyUse } from "~/models/api-keys.server";
import { bearerToken } from "./credentials.server";
import type { HttpRequest } from "./http-request.server";

export type PresentedApiKey = { kind: "none" } | { kind: "refused" } | { kind: "live"; id: string; name: string };

// The integrator key a caller sends as its bearer, if it sends one: none,
// a live key, or one that is unknown or revoked (refused). A bearer without
// the key's prefix is not a key (a hold token, say) and is left alone.
export async function presentedApiKey(request: HttpRequest, { app }: AppLoadContext): Promise<PresentedApiKey> {
  const token = bearerToken(request);
  if (!token?.startsWith(API_KEY_PREFIX)) return { kind: "none" };
  const found = await findApiKey({ database: app.database, key: token });
  if (!found) return { kind: "refused" };
  // The key's row was just read, so whether its last use is a minute old
  // is known without asking again: only then is a write queued, and it is
  // not waited for (the caller's own write, queued after it, is), so a key
  // used all day costs one small write a minute rather than one a request.
  // An in-memory throttle would do the same per process, but would forget
  // on restart and not see other machines; the row's guard sees both.
  const now = app.clock();
  if (lastUseIsDue(found.lastUsedAt, now)) {
    recordApiKeyUse({ database: app.database, id: found.id, now }).catch((error: unknown) =>
      app.log("recording an API key's use failed", { level: "error", error: String(error) }),
    );
  }
  return { kind: "live", id: found.id, name: found.name };
}
