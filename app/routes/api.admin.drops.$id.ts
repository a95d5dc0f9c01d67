import { adminAction } from "~/api/admin.server";
import { apiJson, methodNotAllowed, type ApiArgs } from "~/api/api.server";
import { dropRefusal } from "~/api/drop-outcomes.server";
import { editDropRequest, toApiDrop } from "~/api/drops-contract.server";
import { editDrop } from "~/models/drops.server";

// PATCH /api/admin/drops/:id: move its window, change its products or
// terms. Holds already made keep theirs.
export const action = (args: ApiArgs) =>
  adminAction(
    args,
    editDropRequest,
    async (changes, operator) => {
      const { app } = args.context;
      const outcome = await editDrop({
        database: app.database,
        id: args.params.id ?? "",
        changes,
        operator,
        now: app.clock(),
      });
      return outcome.ok ? apiJson({ drop: toApiDrop(outcome.drop) }) : dropRefusal(outcome);
    },
    { method: "PATCH" },
  );

export const loader = () => methodNotAllowed("PATCH");
