import { integratorKey } from "~/api/api-caller.server";
import { admitWrite } from "~/api/api-outcomes.server";
import {
  apiError,
  apiJson,
  guarded,
  methodNotAllowed,
  notFound,
  parseWith,
  readJsonBody,
  type ApiArgs,
} from "~/api/api.server";
import { joinWaitlistRequest } from "~/api/drops-contract.server";
import { integratorCustomer } from "~/models/customers.server";
import { ID_PATTERN } from "~/models/reservation";
import { joinWaitlist } from "~/models/waitlist.server";

// POST /api/drops/:id/waitlist: an integrator's customer joins the line for
// one of a live drop's products. Units that come back are offered to the
// first in line as a hold, which the key finds on the entry and in its
// event feed.
export function action({ request, params, context }: ApiArgs) {
  const { app } = context;
  return guarded(app.log, async () => {
    if (request.method !== "POST") return methodNotAllowed("POST");
    const key = await integratorKey(request, context);
    if (!key.ok) return key.response;
    const { apiKeyId } = key;
    const body = await readJsonBody(request);
    if (!body.ok) return body.response;
    const input = parseWith(joinWaitlistRequest, body.json);
    if (!input.ok) return input.response;
    const dropId = params.id ?? "";
    if (!ID_PATTERN.test(dropId)) return notFound("No such drop");
    const limited = admitWrite(context, { apiKeyId });
    if (limited) return limited;
    const { productId, customer } = input.data;
    const outcome = await joinWaitlist({
      database: app.database,
      dropId,
      productId,
      customer: integratorCustomer({ apiKeyId, id: customer.id, displayName: customer.displayName ?? null }),
      customerId: customer.id,
      sessionHash: null,
      maxActiveHolds: app.fairUse.holdsPerCustomer,
      now: app.clock(),
    });
    if (outcome.ok) return apiJson({ entry: outcome.entry });
    if (outcome.code === "not_found") return notFound("No such product in this drop");
    return apiError(409, "drop_not_live", "The waiting line is open only while the drop is live");
  });
}

export const loader = () => methodNotAllowed("POST");
