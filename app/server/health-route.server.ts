import type { IncomingMessage, ServerResponse } from "node:http";
import { apiError, apiJson, INTERNAL_ERROR, methodNotAllowed, type ApiReply } from "~/api/api.server";
import { healthReport } from "~/models/health.server";
import type { SendReply } from "./api-request.server";
import type { AppContext } from "./context.server";
import { discardRest } from "./node-fetch.server";

const PATH = "/api/health";

// The path as the JSON API's router matched it before: any case, with or
// without a trailing slash, with any query string. Every request passes
// here, so the common case (not this path) costs one short comparison.
function isHealthPath(url: string | undefined): boolean {
  if (url === undefined || url.length < PATH.length || url.slice(0, PATH.length).toLowerCase() !== PATH) return false;
  const rest = url.slice(PATH.length);
  return rest === "" || rest === "/" || rest.startsWith("?") || rest.startsWith("/?");
}

// GET /api/health, answered first: Fly's check and any load balancer poll
// it as often as they like. Through the JSON API's router, its request
// object and a setHeader for each security header it served a third of
// what node:http alone does; here the cached check goes out in one
// writeHead with every header in one list. The answer's headers, its log
// line and its metrics are those of any other API answer.
export function healthRoute({
  app,
  securityHeaders,
  sendReply,
  onError,
}: {
  app: AppContext;
  // the JSON API's security headers, a flat name, value, … list
  securityHeaders: readonly string[];
  sendReply: SendReply;
  onError: (error: unknown) => void;
}) {
  async function answer(req: IncomingMessage, res: ServerResponse): Promise<ApiReply> {
    if (req.method !== "GET" && req.method !== "HEAD") {
      // a body sent along is read away first, so the client gets the
      // answer rather than a reset
      await discardRest(req, res);
      return methodNotAllowed("GET, HEAD");
    }
    const report = await healthReport({ check: app.health, consistency: app.consistency.last() });
    return apiJson(report.body, { status: report.serving ? 200 : 503 });
  }

  // true when the request was the health check's, and is being answered
  return (req: IncomingMessage, res: ServerResponse, requestId: string): boolean => {
    if (!isHealthPath(req.url)) return false;
    const first = [...securityHeaders, "X-Request-Id", requestId];
    const head = req.method === "HEAD";
    answer(req, res).then(
      (reply) => sendReply(res, reply, head, first),
      (error: unknown) => {
        onError(error);
        sendReply(res, apiError(500, INTERNAL_ERROR.code, INTERNAL_ERROR.message), head, first);
      },
    );
    return true;
  };
}
