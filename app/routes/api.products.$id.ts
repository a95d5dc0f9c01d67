import { toApiProduct } from "~/api/api-contract.server";
import { apiJson, guarded, methodNotAllowed, notFound, type ApiArgs } from "~/api/api.server";
import { getProduct } from "~/models/inventory.server";

export function loader({ params, context }: ApiArgs) {
  const { database, clock, log } = context.app;
  return guarded(log, async () => {
    const found = await getProduct({ database, id: params.id ?? "", now: clock() });
    // an archived product is no longer sold: to shoppers it is gone
    return found && !found.archived ? apiJson({ product: toApiProduct(found.product) }) : notFound("No such product");
  });
}

export const action = () => methodNotAllowed("GET");
