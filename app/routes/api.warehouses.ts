import { apiJson, guarded, methodNotAllowed, type ApiArgs } from "~/api/api.server";
import { listWarehouses } from "~/models/inventory.server";

export function loader({ context }: ApiArgs) {
  const { database, log } = context.app;
  return guarded(log, async () => apiJson({ warehouses: await listWarehouses({ database }) }));
}

export const action = () => methodNotAllowed("GET");
