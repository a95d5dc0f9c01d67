import { apiJson, methodNotAllowed } from "~/api/api.server";
import { openApiDocument } from "~/api/openapi.server";

export const loader = () => apiJson(openApiDocument());

export const action = () => methodNotAllowed("GET");
