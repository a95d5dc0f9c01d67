import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { endOperatorSession } from "~/http/operator-session.server";

// POST only: signing out is a change, and a link anyone could embed must
// not do it.
export async function action({ request, context }: ActionFunctionArgs) {
  return redirect("/admin/login", { headers: { "Set-Cookie": await endOperatorSession(request, context) } });
}

export const loader = () => redirect("/admin");
