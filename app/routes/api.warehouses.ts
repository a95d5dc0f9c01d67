import type { LoaderFunctionArgs } from "@remix-run/node";
import { listWarehouses } from "~/models/inventory.server";
import { apiJson, guarded, methodNotAllowed } from "~/api/api.server";

export function loader({ context }: LoaderFunctionArgs) {
  const { database, log } = context.app;
  return guarded(log, async () => apiJson({ warehouses: await listWarehouses({ database }) }));
}

export const action = () => methodNotAllowed("GET");
