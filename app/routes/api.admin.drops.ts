import { adminAction } from "~/api/admin.server";
import { apiJson, methodNotAllowed, type ApiArgs } from "~/api/api.server";
import { dropRefusal } from "~/api/drop-outcomes.server";
import { createDropRequest, toApiDrop } from "~/api/drops-contract.server";
import { createDrop } from "~/models/drops.server";

// POST /api/admin/drops: a drop over some products, from startsAt (to
// endsAt), with its hold length, per-customer limit and extensions.
export const action = (args: ApiArgs) =>
  adminAction(args, createDropRequest, async (drop, operator) => {
    const { app } = args.context;
    const outcome = await createDrop({ database: app.database, drop, operator, now: app.clock() });
    return outcome.ok ? apiJson({ drop: toApiDrop(outcome.drop) }, { status: 201 }) : dropRefusal(outcome);
  });

export const loader = () => methodNotAllowed("POST");
