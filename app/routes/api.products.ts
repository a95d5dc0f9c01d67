import { listProductsQuery, toApiProduct } from "~/api/api-contract.server";
import { apiJson, guarded, methodNotAllowed, parseWith, type ApiArgs } from "~/api/api.server";
import { listProducts } from "~/models/inventory.server";

export function loader({ request, context }: ApiArgs) {
  const { database, clock, log } = context.app;
  return guarded(log, async () => {
    const query = parseWith(listProductsQuery, Object.fromEntries(new URL(request.url).searchParams));
    if (!query.ok) return query.response;
    const { limit, cursor } = query.data;
    const page = await listProducts({ database, limit, cursor: cursor ?? null, now: clock() });
    return apiJson({ products: page.products.map(toApiProduct), nextCursor: page.nextCursor });
  });
}

export const action = () => methodNotAllowed("GET");
