import {
  data,
  redirect,
  type ActionFunctionArgs,
  type HeadersFunction,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useEffect, useRef } from "react";
import { z } from "zod";
import { ConsoleFrame } from "~/components/console/console-frame";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { consolePath, operatorSession, startOperatorSession } from "~/http/operator-session.server";
import { checkOperatorToken, OPERATOR_NAME } from "~/http/operator.server";

export const meta: MetaFunction = () => [{ title: "Sign in · Holdfast console" }];

const timeZones = ["UTC", ...Intl.supportedValuesOf("timeZone")];

// Any zone the server can format dates in (the list above has one name for
// each; a browser may know its own by another, such as Asia/Kolkata).
function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

// a refusal's Retry-After reaches the browser
export const headers: HeadersFunction = ({ actionHeaders, loaderHeaders }) =>
  actionHeaders.has("Retry-After") ? actionHeaders : loaderHeaders;

export async function loader({ request, context }: LoaderFunctionArgs) {
  const next = consolePath(new URL(request.url).searchParams.get("next"));
  if (await operatorSession(request, context)) throw redirect(next);
  return { next, timeZones };
}

const loginForm = z.object({
  token: z.string().max(500).default(""),
  name: z.string().trim().regex(OPERATOR_NAME, "Your name: letters, digits, spaces and . _ @ -, at most 60"),
  timeZone: z.string().max(100).refine(isTimeZone, "Choose a time zone").default("UTC"),
  next: z.string().max(2000).optional(),
});

type LoginFailure = { message: string; fieldErrors?: { name?: string; timeZone?: string } };

export async function action({ request, context }: ActionFunctionArgs) {
  const parsed = loginForm.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) {
    const { fieldErrors } = parsed.error.flatten();
    return data<LoginFailure>(
      {
        message: "Check the form.",
        fieldErrors: { name: fieldErrors.name?.[0], timeZone: fieldErrors.timeZone?.[0] },
      },
      { status: 400 },
    );
  }
  const { token, name, timeZone, next } = parsed.data;
  const check = checkOperatorToken({ token, name, fallback: name }, context);
  if (!check.ok) {
    return check.reason === "unauthorized"
      ? data<LoginFailure>({ message: "That token is not the shop's ADMIN_TOKEN." }, { status: 401 })
      : data<LoginFailure>(
          { message: `Too many wrong tokens from your network. Try again in ${check.retryAfter} s.` },
          { status: 429, headers: { "Retry-After": String(check.retryAfter) } },
        );
  }
  const cookie = await startOperatorSession(request, context, { operator: check.operator, timeZone });
  return redirect(consolePath(next ?? null), { headers: { "Set-Cookie": cookie } });
}

export default function Login() {
  const { next, timeZones } = useLoaderData<typeof loader>();
  const failure = useActionData<typeof action>();
  const busy = useNavigation().state === "submitting";
  const zone = useRef<HTMLSelectElement>(null);
  // with JavaScript the browser's own zone is the starting choice
  useEffect(() => {
    const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone.current || zone.current.value !== "UTC") return;
    if (!timeZones.includes(own)) zone.current.add(new Option(own, own));
    zone.current.value = own;
  }, [timeZones]);
  return (
    <ConsoleFrame operator={null}>
      <section className="mx-auto max-w-md py-8 sm:py-16">
        <p className="text-sm font-semibold text-brand-600">Holdfast console</p>
        <h1 className="mt-1 text-3xl font-bold tracking-tight">Sign in</h1>
        <p className="mt-2 text-muted">For the shop&apos;s operators: stock, holds, the audit trail and the books.</p>
        <Form method="post" className="card mt-6 space-y-5 p-6" noValidate>
          <input type="hidden" name="next" value={next} />
          {failure ? (
            <p
              role="alert"
              className="rounded-lg border border-danger/40 bg-danger-50 px-3 py-2 text-sm text-danger-ink"
            >
              {failure.message}
            </p>
          ) : null}
          <div>
            <label htmlFor="token" className="label">
              Operator token
            </label>
            <input
              id="token"
              name="token"
              type="password"
              autoComplete="current-password"
              required
              className="field mt-1.5"
            />
            <p className="mt-1 text-xs text-muted">The ADMIN_TOKEN the shop was started with.</p>
          </div>
          <div>
            <label htmlFor="name" className="label">
              Your name
            </label>
            <input
              id="name"
              name="name"
              autoComplete="name"
              required
              maxLength={60}
              aria-invalid={failure?.fieldErrors?.name ? true : undefined}
              aria-describedby="name-help"
              className="field mt-1.5"
            />
            <p
              id="name-help"
              className={`mt-1 text-xs ${failure?.fieldErrors?.name ? "text-danger-ink" : "text-muted"}`}
            >
              {failure?.fieldErrors?.name ?? "Recorded on every change you make."}
            </p>
          </div>
          <div>
            <label htmlFor="timeZone" className="label">
              Time zone
            </label>
            <select id="timeZone" name="timeZone" ref={zone} defaultValue="UTC" className="field mt-1.5">
              {timeZones.map((z) => (
                <option key={z}>{z}</option>
              ))}
            </select>
            <p className="mt-1 text-xs text-muted">Dates in the console are shown in it.</p>
          </div>
          <button type="submit" className="btn btn-primary w-full" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </Form>
      </section>
    </ConsoleFrame>
  );
}

export function ErrorBoundary() {
  return (
    <ConsoleFrame operator={null}>
      <GeneralErrorBoundary />
    </ConsoleFrame>
  );
}
