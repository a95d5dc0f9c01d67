import type { ActionFunctionArgs } from "@remix-run/node";
import { reserveRequestLines } from "~/api/api-contract.server";
import { admitWrite, reserveResponse } from "~/api/api-outcomes.server";
import { apiError, apiHolder, guarded, methodNotAllowed, parseWith, readJsonBody } from "~/api/api.server";
import { idempotent, withoutHoldToken } from "~/api/idempotent-response.server";
import { presentedApiKey } from "~/http/api-key.server";
import { clientKeys, reserve } from "~/models/reservation.server";

// POST /api/reservations: hold one line, or several all-or-nothing.
export function action({ request, context }: ActionFunctionArgs) {
  const { app, client } = context;
  return guarded(app.log, async () => {
    if (request.method !== "POST") return methodNotAllowed("POST");
    // An integrator's key, if it sends one; one that is unknown or revoked
    // is refused before anything is counted or stored.
    const apiKey = await presentedApiKey(request, context);
    if (apiKey.kind === "refused") {
      return apiError(401, "unauthorized", "This API key is unknown or revoked", {
        headers: { "WWW-Authenticate": "Bearer" },
      });
    }
    const apiKeyId = apiKey.kind === "live" ? apiKey.id : undefined;
    const body = await readJsonBody(request);
    if (!body.ok) return body.response;
    const items = parseWith(reserveRequestLines(body.json), body.json);
    if (!items.ok) return items.response;

    // A new hold has no token yet, so the only credentials a caller can
    // prove here are its key and its browser session; anyone else is their
    // address. (Fair use still counts by session or address: a key's own
    // customers, with limits of their own, are not modelled yet.)
    const { sessionHash } = await apiHolder(request, app.env.SESSION_SECRET);
    const requester = clientKeys({ sessionHash, address: client.address });
    return idempotent({
      request,
      database: app.database,
      clock: app.clock,
      // a key's Idempotency-Keys are its own, whichever address it calls from
      scope: apiKeyId === undefined ? `reserve:${requester.clientKey}` : `reserve:key:${apiKeyId}`,
      body: body.text,
      // the token is shown once: a replay (which anyone behind the same
      // address with the same key would get) carries the hold without it
      storedAs: withoutHoldToken,
      admit: () => admitWrite(context, { apiKeyId }),
      respond: async () => {
        const outcome = await reserve({
          database: app.database,
          items: items.data,
          holder: { sessionHash },
          requester,
          fairUse: app.fairUse,
          policy: app.policy,
          now: app.clock(),
          observe: app.reserveOutcomes.report,
        });
        return reserveResponse(outcome);
      },
    });
  });
}

export const loader = () => methodNotAllowed("POST");
