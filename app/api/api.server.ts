import type { z } from "zod";
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

export function apiJson(body: unknown, init: { status?: number; headers?: HeadersInit } = {}): Response {
  const headers = new Headers(init.headers);
  headers.set("Content-Type", "application/json; charset=utf-8");
  headers.set("Cache-Control", "no-store");
  return new Response(JSON.stringify(body), { status: init.status ?? 200, headers });
}

export function apiError(
  status: number,
  code: ApiErrorCode,
  message: string,
  extra: { details?: unknown; headers?: HeadersInit } = {},
): Response {
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

export type BodyResult = { ok: true; text: string; json: unknown } | { ok: false; response: Response };

// A body must say it is JSON: a page on another site can send text/plain or
// a form without asking first, but never application/json (the browser
// asks this server, which never says yes). An empty body may leave the
// type out. The size was bounded before the route ran (node-fetch.server.ts).
export async function readJsonBody(request: Request): Promise<BodyResult> {
  const type = request.headers.get("Content-Type");
  if (type ? !/^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(type) : request.body !== null) {
    return { ok: false, response: apiError(415, "unsupported_media_type", "Send the body as application/json") };
  }
  const text = await request.text();
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
): { ok: true; data: z.output<S> } | { ok: false; response: Response } {
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
  handler: () => Promise<Response>,
) {
  try {
    return await handler();
  } catch (error) {
    if (error instanceof Response) return error;
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
