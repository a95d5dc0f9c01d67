import { createApiKeyRequest, toApiKey } from "~/api/admin-contract.server";
import { adminAction, admitOperator } from "~/api/admin.server";
import { apiJson, guarded, type ApiArgs } from "~/api/api.server";
import { withoutApiKey } from "~/api/idempotent-response.server";
import { createApiKey, listApiKeys } from "~/models/api-keys.server";

// GET /api/admin/api-keys: every integrator key, revoked ones too, newest
// first; never the keys themselves.
export function loader({ request, context }: ApiArgs) {
  const { app } = context;
  return guarded(app.log, async () => {
    const operator = admitOperator(request, context, { writes: false });
    if (!operator.ok) return operator.response;
    const apiKeys = await listApiKeys({ database: app.database });
    return apiJson({ apiKeys: apiKeys.map(toApiKey) });
  });
}

// POST /api/admin/api-keys: a new key, shown in this answer only.
export const action = (args: ApiArgs) =>
  adminAction(
    args,
    createApiKeyRequest,
    async ({ name }, operator) => {
      const { app } = args.context;
      const { apiKey, key } = await createApiKey({ database: app.database, name, operator, now: app.clock() });
      const { id, createdAt } = toApiKey(apiKey);
      return apiJson({ apiKey: { id, name: apiKey.name, createdAt }, key }, { status: 201 });
    },
    // a replay (to anyone with the ADMIN_TOKEN and the Idempotency-Key)
    // says the key was made, without it
    { storedAs: withoutApiKey },
  );
