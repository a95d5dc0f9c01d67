import { openApiDocument } from "~/api/openapi.server";
import { apiJson, methodNotAllowed } from "~/api/api.server";

export const loader = () => apiJson(openApiDocument());

export const action = () => methodNotAllowed("GET");
