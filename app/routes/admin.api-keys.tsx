import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { newApiKeyForm } from "~/api/console-forms.server";
import { useLastAnswer } from "~/components/console/use-last-answer";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { formatDateTime } from "~/components/format";
import { requireOperator, requireOperatorWrite } from "~/http/operator-session.server";
import { createApiKey, listApiKeys, revokeApiKey } from "~/models/api-keys.server";

export const meta: MetaFunction = () => [{ title: "API keys · Holdfast console" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { timeZone } = await requireOperator(request, context);
  return { apiKeys: await listApiKeys({ database: context.app.database }), timeZone };
}

// `key` only in the answer that made it: the page shows it this once, and
// a reload (a GET) has nothing to show it from.
type KeyResult = { target: string; ok: boolean; message: string; key?: string };

// A new key, or a key revoked.
export async function action({ request, context }: ActionFunctionArgs) {
  const { operator } = await requireOperatorWrite(request, context);
  const { database, clock } = context.app;
  const form = Object.fromEntries(await request.formData());
  if (form.intent === "create") {
    const input = newApiKeyForm(form);
    if (!input.ok) return data<KeyResult>({ target: "new", ok: false, message: input.message }, { status: 400 });
    const { apiKey, key } = await createApiKey({ database, name: input.data.name, operator, now: clock() });
    return data<KeyResult>({ target: "new", ok: true, message: `Made a key for ${apiKey.name}.`, key });
  }
  const id = typeof form.id === "string" ? form.id : "";
  const outcome = await revokeApiKey({ database, id, operator, now: clock() });
  if (!outcome.ok && outcome.code === "not_found") throw new Response("Not found", { status: 404 });
  return data<KeyResult>({
    target: id,
    ok: true,
    message: outcome.ok ? `Revoked ${outcome.apiKey.name}.` : `${outcome.apiKey.name} was already revoked.`,
  });
}

export default function ConsoleApiKeys() {
  const { apiKeys, timeZone } = useLoaderData<typeof loader>();
  const result = useLastAnswer(useActionData<typeof action>());
  const navigation = useNavigation();
  const busy = (target: string) => navigation.formData?.get("id") === target;
  const said = (target: string) =>
    result?.target === target && !result.key ? (
      <p role="status" className={`text-sm ${result.ok ? "text-ok-ink" : "text-danger-ink"}`}>
        {result.message}
      </p>
    ) : null;
  return (
    <>
      <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">API keys</h1>
      <p className="mt-1 max-w-prose text-muted">
        For integrators (a payment service, a storefront on another stack): they send a key as{" "}
        <code className="font-mono text-sm">Authorization: Bearer hfk_…</code> when they make holds, and each key has
        its own rate limit. Revoking a key refuses it at once.
      </p>

      {result?.key ? (
        <section
          aria-labelledby="new-key"
          role="status"
          className="mt-6 rounded-card border border-warn/50 bg-warn-50 p-4 sm:p-6"
        >
          <h2 id="new-key" className="font-semibold text-warn-ink">
            {result.message} Copy it now: it will not be shown again.
          </h2>
          <p className="mt-1 text-sm text-warn-ink">
            Holdfast keeps only a fingerprint of the key. If it is lost, revoke it and make another.
          </p>
          {/* plain text, so it works without JavaScript: it wraps on a phone,
              and one click selects all of it */}
          <code
            data-testid="new-api-key"
            className="mt-3 block rounded-md border border-line bg-card px-3 py-2 font-mono text-sm break-all select-all"
          >
            {result.key}
          </code>
        </section>
      ) : null}

      {apiKeys.length === 0 ? (
        <p className="mt-6 text-muted">No keys yet.</p>
      ) : (
        <div className="mt-6 relative overflow-x-auto rounded-card border border-line bg-card">
          <table className="data-table">
            <caption className="sr-only">API keys, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
              </tr>
            </thead>
            <tbody>
              {apiKeys.map((k) => (
                <tr key={k.id}>
                  <th scope="row" className="min-w-40 font-medium">
                    {k.name}
                    <span className="block font-mono text-xs font-normal text-muted">{k.id}</span>
                  </th>
                  <td className="whitespace-nowrap">
                    {k.revokedAt === null ? (
                      <Form method="post" preventScrollReset className="flex items-center gap-3">
                        <span className="inline-block rounded-full border border-ok/30 bg-ok-50 px-2 py-0.5 text-xs font-semibold text-ok-ink">
                          live
                        </span>
                        <input type="hidden" name="intent" value="revoke" />
                        <input type="hidden" name="id" value={k.id} />
                        <button
                          type="submit"
                          className="btn btn-secondary min-h-9 py-1.5"
                          disabled={busy(k.id)}
                          aria-label={`Revoke ${k.name}`}
                        >
                          {busy(k.id) ? "Revoking…" : "Revoke"}
                        </button>
                      </Form>
                    ) : (
                      <>
                        <span className="inline-block rounded-full border border-line bg-surface px-2 py-0.5 text-xs font-semibold text-muted">
                          revoked
                        </span>
                        <span className="block text-xs text-muted">{formatDateTime(k.revokedAt, timeZone)}</span>
                      </>
                    )}
                    {said(k.id)}
                  </td>
                  <td className="whitespace-nowrap">{formatDateTime(k.createdAt, timeZone)}</td>
                  <td className="whitespace-nowrap">
                    {k.lastUsedAt === null ? (
                      <span className="text-muted">never</span>
                    ) : (
                      formatDateTime(k.lastUsedAt, timeZone)
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <section aria-labelledby="new-api-key-heading" className="card mt-6 p-4 sm:p-6">
        <h2 id="new-api-key-heading" className="font-semibold">
          New key
        </h2>
        {/* a new form after each key made, so the name typed is gone (as it
            is without JavaScript, where the page itself is new) */}
        <Form
          key={result?.key ?? "new"}
          method="post"
          className="mt-4 flex flex-col gap-4 sm:flex-row sm:flex-wrap sm:items-end"
        >
          <input type="hidden" name="intent" value="create" />
          <div className="sm:w-96">
            <label htmlFor="new-name" className="label">
              Who it is for
            </label>
            <input
              id="new-name"
              name="name"
              required
              maxLength={60}
              placeholder="Payments service"
              className="field mt-1.5"
            />
          </div>
          <button type="submit" className="btn btn-primary">
            Make a key
          </button>
          <div className="sm:basis-full">{said("new")}</div>
        </Form>
      </section>
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
