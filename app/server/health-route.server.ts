import type { IncomingMessage, ServerResponse } from "node:http";
import { apiError, apiJson, INTERNAL_ERROR } from "~/api/api.server";
import { healthReport } from "~/models/health.server";
import { sendReply } from "./api-request.server";
import type { AppContext } from "./context.server";
import { discardRest } from "./node-fetch.server";

const PATH = "/api/health";

const isHealthPath = (url: string | undefined) =>
  url !== undefined && url.startsWith(PATH) && (url.length === PATH.length || url[PATH.length] === "?");

// GET /api/health, answered first: Fly's check and any load balancer poll
// it as often as they like. Through the JSON API's router, its request
// object and a setHeader for each security header it served a third of
// what node:http alone does; here the cached check goes out in one
// writeHead with every header in one list. The answer's headers, its log
// line and its metrics are those of any other API answer.
export function healthRoute({
  app,
  securityHeaders,
  onError,
}: {
  app: AppContext;
  // the JSON API's security headers, a flat name, value, … list
  securityHeaders: readonly string[];
  onError: (error: unknown) => void;
}) {
  // true when the request was the health check's, and is answered
  return (req: IncomingMessage, res: ServerResponse, requestId: string): boolean => {
    if (!isHealthPath(req.url)) return false;
    const first = [...securityHeaders, "X-Request-Id", requestId];
    const head = req.method === "HEAD";
    if (req.method !== "GET" && !head) {
      // a body sent along is read away first, so the client gets the answer
      // rather than a reset
      void discardRest(req, res).then(() =>
        sendReply(
          res,
          apiError(405, "method_not_allowed", "Use GET or HEAD here", { headers: { Allow: "GET, HEAD" } }),
          false,
          first,
        ),
      );
      return true;
    }
    healthReport({ check: app.health, consistency: app.consistency.last() }).then(
      (report) => sendReply(res, apiJson(report.body, { status: report.status }), head, first),
      (error: unknown) => {
        onError(error);
        sendReply(res, apiError(500, INTERNAL_ERROR.code, INTERNAL_ERROR.message), head, first);
      },
    );
    return true;
  };
}
