import { createProductRequest, toApiCatalogueProduct } from "~/api/admin-contract.server";
import { adminAction } from "~/api/admin.server";
import { apiError, apiJson, methodNotAllowed, type ApiArgs } from "~/api/api.server";
import { createProduct } from "~/models/catalogue.server";

// POST /api/admin/products: a new product, with no stock yet (POST
// /api/admin/stock gives a warehouse its first units).
export const action = (args: ApiArgs) =>
  adminAction(args, createProductRequest, async (product, operator) => {
    const { app } = args.context;
    const outcome = await createProduct({ database: app.database, product, operator, now: app.clock() });
    if (outcome.ok) return apiJson({ product: toApiCatalogueProduct(outcome.created) }, { status: 201 });
    return apiError(409, "already_exists", `There is already a product ${product.id}; change it with PATCH`);
  });

export const loader = () => methodNotAllowed("POST");
