import type { AppLoadContext } from "@remix-run/node";
import type { z } from "zod";
import type { HttpRequest } from "~/http/http-request.server";
import { unavailableBecause } from "~/infra/db/db.server";

// The JSON API's plumbing: the error envelope, bodies read with a size
// limit, and who the caller is. Every response is `Cache-Control: no-store`.

export type ApiErrorCode =
  | "validation_error"
  | "not_found"
  | "insufficient_stock"
  | "invalid_state"
  | "reservation_expired"
  | "extension_limit_reached"
  | "client_limit_reached"
  | "storage_full"
  | "service_unavailable"
  | "idempotency_conflict"
  | "idempotency_in_progress"
  | "rate_limited"
  | "payload_too_large"
  | "unsupported_media_type"
  | "method_not_allowed"
  | "internal_error"
  | "unauthorized"
  | "stock_below_committed"
  | "product_archived"
  | "already_exists"
  | "already_revoked"
  | "drop_not_started"
  | "drop_ended"
  | "product_in_drop"
  | "customer_required"
  | "customer_limit_reached"
  | "drop_not_live"
  | "too_many_lines"
  | "line_too_large"
  | "drop_product";

// An API answer as plain data: the server writes it to the socket in one
// go (app/server/resource-routes.server.ts). A route that streams (the
// event feed, the audit trail's CSV) returns a Fetch Response instead.
export type ApiReply = {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  // JSON text, made once
  readonly body: string;
};

// What an API route module exports: a loader (GET, HEAD) and an action
// (POST, PATCH, DELETE), called with the route's path params.
export type ApiArgs = {
  request: HttpRequest;
  params: Record<string, string | undefined>;
  context: AppLoadContext;
};

const jsonHeaders = { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" };

export function apiJson(body: unknown, init: { status?: number; headers?: Record<string, string> } = {}): ApiReply {
  return {
    status: init.status ?? 200,
    headers: init.headers ? { ...jsonHeaders, ...init.headers } : jsonHeaders,
    body: JSON.stringify(body),
  };
}

export function apiError(
  status: number,
  code: ApiErrorCode,
  message: string,
  extra: { details?: unknown; headers?: Record<string, string> } = {},
): ApiReply {
  const error = extra.details === undefined ? { code, message } : { code, message, details: extra.details };
  return apiJson({ error }, { status, headers: extra.headers });
}

export const notFound = (what = "Not found") => apiError(404, "not_found", what);

export const methodNotAllowed = (allowed: string) =>
  apiError(405, "method_not_allowed", `Use ${allowed} here`, { headers: { Allow: allowed } });

// "items.0.quantity: must be at least 1" — the message names the field.
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "body"}: ${issue.message}`)
    .join("; ");
}

export type BodyResult = { ok: true; text: string; json: unknown } | { ok: false; response: ApiReply };

// A body must say it is JSON: a page on another site can send text/plain or
// a form without asking first, but never application/json (the browser
// asks this server, which never says yes). An empty body may leave the
// type out. The size was bounded before the route ran (node-fetch.server.ts).
export async function readJsonBody(request: HttpRequest): Promise<BodyResult> {
  const type = request.headers.get("Content-Type");
  const text = await request.text();
  if (type ? !/^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(type) : text !== "") {
    return { ok: false, response: apiError(415, "unsupported_media_type", "Send the body as application/json") };
  }
  if (text.trim() === "") return { ok: true, text, json: undefined };
  try {
    return { ok: true, text, json: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, response: apiError(400, "validation_error", "body: must be valid JSON") };
  }
}

export function parseWith<S extends z.ZodTypeAny>(
  schema: S,
  value: unknown,
): { ok: true; data: z.output<S> } | { ok: false; response: ApiReply } {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, data: result.data as z.output<S> };
  return { ok: false, response: apiError(400, "validation_error", describeIssues(result.error)) };
}

// The one answer for a failure on our side, whoever gives it: an API route,
// or the server before any route ran.
export const INTERNAL_ERROR = {
  code: "internal_error",
  message: "Something went wrong on our side. Retrying with the same Idempotency-Key is safe.",
} as const;

// Runs an API handler so that nothing unexpected reaches the caller as a
// stack trace: it is logged, and the caller gets a plain 500 envelope.
export async function guarded(
  log: (message: string, fields?: Record<string, string>) => void,
  handler: () => Promise<ApiReply | Response>,
): Promise<ApiReply | Response> {
  try {
    return await handler();
  } catch (error) {
    const unavailable = unavailableBecause(error);
    if (unavailable === "storage_full") {
      log("storage full", { level: "error", error: String(error) });
      return apiError(503, "storage_full", "The shop's storage is full; nothing was changed. Try again later.", {
        headers: { "Retry-After": "30" },
      });
    }
    if (unavailable === "writer_stopped") {
      return apiError(
        503,
        "service_unavailable",
        "This server is restarting; nothing was changed. Try again shortly.",
        {
          headers: { "Retry-After": "5" },
        },
      );
    }
    log("api error", { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    return apiError(500, INTERNAL_ERROR.code, INTERNAL_ERROR.message);
  }
}
