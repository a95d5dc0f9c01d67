import { editProductRequest, toApiCatalogueProduct } from "~/api/admin-contract.server";
import { adminAction } from "~/api/admin.server";
import { apiJson, methodNotAllowed, notFound, type ApiArgs } from "~/api/api.server";
import { editProduct } from "~/models/catalogue.server";

// PATCH /api/admin/products/:id: change any of a product's fields but its
// id; `archived: true` takes it out of the shop.
export const action = (args: ApiArgs) =>
  adminAction(
    args,
    editProductRequest,
    async (changes, operator) => {
      const { app } = args.context;
      const outcome = await editProduct({
        database: app.database,
        id: args.params.id ?? "",
        changes,
        operator,
        now: app.clock(),
      });
      return outcome.ok ? apiJson({ product: toApiCatalogueProduct(outcome.edited) }) : notFound("No such product");
    },
    { method: "PATCH" },
  );

export const loader = () => methodNotAllowed("PATCH");
