import { openApiDocument } from "~/models/openapi.server";
import { apiJson, methodNotAllowed } from "~/utils/api.server";

export const loader = () => apiJson(openApiDocument());

export const action = () => methodNotAllowed("GET");
