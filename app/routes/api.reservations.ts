import type { ActionFunctionArgs } from "@remix-run/node";
import { reserveRequestLines } from "~/api/api-contract.server";
import { admitWrite, reserveResponse } from "~/api/api-outcomes.server";
import { apiHolder, guarded, methodNotAllowed, parseWith, readJsonBody } from "~/api/api.server";
import { idempotent, withoutHoldToken } from "~/api/idempotent-response.server";
import { clientKeys, reserve } from "~/models/reservation.server";

// POST /api/reservations: hold one line, or several all-or-nothing.
export function action({ request, context }: ActionFunctionArgs) {
  const { app, client } = context;
  return guarded(app.log, async () => {
    if (request.method !== "POST") return methodNotAllowed("POST");
    const body = await readJsonBody(request);
    if (!body.ok) return body.response;
    const items = parseWith(reserveRequestLines(body.json), body.json);
    if (!items.ok) return items.response;

    // A new hold has no token yet, so the only credential a caller can prove
    // here is its browser session; anyone else is their address.
    const { sessionHash } = await apiHolder(request, app.env.SESSION_SECRET);
    const requester = clientKeys({ sessionHash, address: client.address });
    return idempotent({
      request,
      database: app.database,
      clock: app.clock,
      scope: `reserve:${requester.clientKey}`,
      body: body.text,
      // the token is shown once: a replay (which anyone behind the same
      // address with the same key would get) carries the hold without it
      storedAs: withoutHoldToken,
      admit: () => admitWrite(context),
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
