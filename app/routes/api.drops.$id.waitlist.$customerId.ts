import { integratorKey } from "~/api/api-caller.server";
import { apiJson, guarded, methodNotAllowed, notFound, parseWith, type ApiArgs } from "~/api/api.server";
import { waitlistQuery } from "~/api/drops-contract.server";
import { integratorCustomer } from "~/models/customers.server";
import { waitlistEntry } from "~/models/waitlist.server";

// GET /api/drops/:id/waitlist/:customerId: where the key's customer stands
// in the drop's line (?productId= for one product's line), and the hold
// offered once there is one.
export function loader({ request, params, context }: ApiArgs) {
  const { app } = context;
  return guarded(app.log, async () => {
    const key = await integratorKey(request, context);
    if (!key.ok) return key.response;
    const { apiKeyId } = key;
    const query = parseWith(waitlistQuery, Object.fromEntries(new URL(request.url).searchParams));
    if (!query.ok) return query.response;
    const customer = integratorCustomer({ apiKeyId, id: params.customerId ?? "", displayName: null });
    const entry = await waitlistEntry({
      database: app.database,
      dropId: params.id ?? "",
      customerKey: customer.key,
      productId: query.data.productId ?? null,
    });
    return entry ? apiJson({ entry }) : notFound("This customer is not in this drop's waiting line");
  });
}

export const action = () => methodNotAllowed("GET");
