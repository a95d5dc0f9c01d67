import { apiCaller } from "~/api/api-caller.server";
import { reserveRequestBody } from "~/api/api-contract.server";
import { admitWrite, reserveResponse } from "~/api/api-outcomes.server";
import { apiError, guarded, methodNotAllowed, parseWith, readJsonBody, type ApiArgs } from "~/api/api.server";
import { idempotent, withoutHoldToken } from "~/api/idempotent-response.server";
import { integratorCustomer, shopCustomer } from "~/models/customers.server";
import { clientKeys, reserve } from "~/models/reservation.server";

// POST /api/reservations: hold one line, or several all-or-nothing.
export function action({ request, context }: ApiArgs) {
  const { app, client } = context;
  return guarded(app.log, async () => {
    if (request.method !== "POST") return methodNotAllowed("POST");
    // An integrator's key, if it sends one; one that is unknown or revoked
    // is refused before anything is counted or stored.
    const from = await apiCaller(request, context);
    if (!from.ok) return from.response;
    const apiKeyId = from.caller.apiKeyId ?? undefined;
    const body = await readJsonBody(request);
    if (!body.ok) return body.response;
    const hold = parseWith(reserveRequestBody(body.json), body.json);
    if (!hold.ok) return hold.response;
    // anyone could claim to be anyone: only a key vouches for its customers
    if (hold.data.customer && apiKeyId === undefined) {
      return apiError(401, "unauthorized", "Only a request with an integrator key may name a customer", {
        headers: { "WWW-Authenticate": "Bearer" },
      });
    }

    // A new hold has no token yet, so the only credentials a caller can
    // prove here are its key and its browser session; anyone else is their
    // address. The customer is the key's customer, else the browser.
    const { sessionHash } = from.caller.holder;
    const requester = clientKeys({ sessionHash, address: client.address, apiKeyId: apiKeyId ?? null });
    const named = hold.data.customer;
    const customer =
      apiKeyId !== undefined
        ? named
          ? integratorCustomer({ apiKeyId, id: named.id, displayName: named.displayName ?? null })
          : null
        : sessionHash
          ? shopCustomer(sessionHash, null)
          : null;
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
          items: hold.data.lines,
          holder: { sessionHash },
          requester,
          apiKeyId: apiKeyId ?? null,
          customer,
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
