import { repairRequest } from "~/api/admin-contract.server";
import { adminAction } from "~/api/admin.server";
import { apiError, apiJson, methodNotAllowed, type ApiArgs } from "~/api/api.server";
import { repairRow } from "~/models/consistency.server";

// POST /api/admin/consistency/repair: rebuild one row's reserved and sold
// from its holds, by hand, with an audit entry.
export const action = (args: ApiArgs) =>
  adminAction(args, repairRequest, async (row, operator) => {
    const { app } = args.context;
    const outcome = await repairRow({ database: app.database, ...row, operator, now: app.clock() });
    if (outcome.ok) return apiJson({ repaired: { ...row, before: outcome.before, after: outcome.after } });
    if (outcome.code === "not_found") return apiError(404, "not_found", "No stock row for that product and warehouse");
    return apiError(
      409,
      "stock_below_committed",
      `The holds account for ${outcome.reserved} held and ${outcome.sold} sold, more than the total of ${outcome.total}: restock first`,
      { details: { total: outcome.total, reserved: outcome.reserved, sold: outcome.sold } },
    );
  });

export const loader = () => methodNotAllowed("POST");
