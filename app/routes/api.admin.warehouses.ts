import { createWarehouseRequest } from "~/api/admin-contract.server";
import { adminAction } from "~/api/admin.server";
import { apiError, apiJson, methodNotAllowed, type ApiArgs } from "~/api/api.server";
import { createWarehouse } from "~/models/catalogue.server";

// POST /api/admin/warehouses: a new warehouse, stocking nothing yet.
export const action = (args: ApiArgs) =>
  adminAction(args, createWarehouseRequest, async (warehouse, operator) => {
    const { app } = args.context;
    const outcome = await createWarehouse({ database: app.database, warehouse, operator, now: app.clock() });
    if (outcome.ok) return apiJson({ warehouse: outcome.created }, { status: 201 });
    return apiError(409, "already_exists", `There is already a warehouse ${warehouse.id}; change it with PATCH`);
  });

export const loader = () => methodNotAllowed("POST");
