import { editWarehouseRequest } from "~/api/admin-contract.server";
import { adminAction } from "~/api/admin.server";
import { apiJson, methodNotAllowed, notFound, type ApiArgs } from "~/api/api.server";
import { editWarehouse } from "~/models/catalogue.server";

// PATCH /api/admin/warehouses/:id: rename a warehouse or change its city;
// its id stays.
export const action = (args: ApiArgs) =>
  adminAction(
    args,
    editWarehouseRequest,
    async (changes, operator) => {
      const { app } = args.context;
      const outcome = await editWarehouse({
        database: app.database,
        id: args.params.id ?? "",
        changes,
        operator,
        now: app.clock(),
      });
      return outcome.ok ? apiJson({ warehouse: outcome.edited }) : notFound("No such warehouse");
    },
    { method: "PATCH" },
  );

export const loader = () => methodNotAllowed("PATCH");
