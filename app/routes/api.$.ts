import { notFound } from "~/api/api.server";

// Unknown API paths answer in JSON, not with the shop's 404 page.
export const loader = () => notFound("No such endpoint");

export const action = () => notFound("No such endpoint");
