import { toApiKey } from "~/api/admin-contract.server";
import { adminAction } from "~/api/admin.server";
import { emptyRequest } from "~/api/api-contract.server";
import { apiError, apiJson, methodNotAllowed, notFound, type ApiArgs } from "~/api/api.server";
import { revokeApiKey } from "~/models/api-keys.server";

// DELETE /api/admin/api-keys/:id: revoke a key; it stops working at once
// and stays listed.
export const action = (args: ApiArgs) =>
  adminAction(
    args,
    emptyRequest.optional(),
    async (_nothing, operator) => {
      const { app } = args.context;
      const outcome = await revokeApiKey({
        database: app.database,
        id: args.params.id ?? "",
        operator,
        now: app.clock(),
      });
      if (outcome.ok) return apiJson({ apiKey: toApiKey(outcome.apiKey) });
      if (outcome.code === "not_found") return notFound("No such API key");
      return apiError(409, "already_revoked", "This API key is already revoked", {
        details: { apiKey: toApiKey(outcome.apiKey) },
      });
    },
    { method: "DELETE" },
  );

export const loader = () => methodNotAllowed("DELETE");
