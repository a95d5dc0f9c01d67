import type { LoaderFunctionArgs } from "@remix-run/node";
import { apiJson, guarded, methodNotAllowed } from "~/api/api.server";
import { listWarehouses } from "~/models/inventory.server";

export function loader({ context }: LoaderFunctionArgs) {
  const { database, log } = context.app;
  return guarded(log, async () => apiJson({ warehouses: await listWarehouses({ database }) }));
}

export const action = () => methodNotAllowed("GET");
