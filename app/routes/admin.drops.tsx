import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import {
  dropChangesForm,
  dropMomentForm,
  dropRefusalMessage,
  localOfInstant,
  newDropFields,
  newDropForm,
  type NewDropFields,
} from "~/api/console-drop-forms.server";
import { useLastAnswer } from "~/components/console/use-last-answer";
import { PhaseBadge } from "~/components/drops/drop-clock";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { formatCount, formatDateTime, formatDuration } from "~/components/format";
import { requireOperator, requireOperatorWrite } from "~/http/operator-session.server";
import type { Database } from "~/infra/db/db.server";
import { DROP_DEFAULTS, type DropPhase } from "~/models/drop";
import { getDrop, listDrops, type DropView } from "~/models/drop-views.server";
import { createDrop, editDrop } from "~/models/drops.server";
import { listProducts } from "~/models/inventory.server";
import { ID_PATTERN } from "~/models/reservation";

export const meta: MetaFunction = () => [{ title: "Drops · Holdfast console" }];

// Every product on sale, a page at a time: the new-drop form offers them all.
async function productsOnSale(database: Database, now: number) {
  const products = [];
  let cursor: string | null = null;
  do {
    const page = await listProducts({ database, limit: 250, cursor, now });
    products.push(...page.products);
    cursor = page.nextCursor;
  } while (cursor !== null && products.length < 2_000);
  return products;
}

// Which drop that has not ended each product is in, by product id.
const dropsByProduct = (drops: DropView[]) =>
  new Map(drops.filter((d) => d.phase !== "ended").flatMap((d) => d.productIds.map((id) => [id, d.name] as const)));

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { timeZone } = await requireOperator(request, context);
  const { database, clock } = context.app;
  const now = clock();
  const [drops, products] = await Promise.all([listDrops({ database, now }), productsOnSale(database, now)]);
  const inDrop = dropsByProduct(drops);
  return {
    drops: drops.map((d) => ({
      id: d.id,
      name: d.name,
      phase: d.phase,
      startsAt: d.startsAt,
      endsAt: d.endsAt,
      holdTtlSeconds: d.holdTtlSeconds,
      maxPerCustomer: d.maxPerCustomer,
      extensions: d.extensions,
      products: d.products.map(({ id, name, available, waiting }) => ({ id, name, available, waiting })),
      // the window as the edit form's `datetime-local` fields show it
      local: {
        startsAt: localOfInstant(d.startsAt, timeZone),
        endsAt: d.endsAt === null ? "" : localOfInstant(d.endsAt, timeZone),
      },
    })),
    products: products
      .map((p) => ({ id: p.id, name: p.name, category: p.category, available: p.available, inDrop: inDrop.get(p.id) }))
      .sort((a, b) => a.category.localeCompare(b.category) || a.name.localeCompare(b.name)),
    timeZone,
    now,
  };
}

// A moment as the console shows it, with the year when it is not this
// one's: drops are often set up months ahead.
function formatWhen(ms: number, timeZone: string, now: number): string {
  const year = (at: number) => new Intl.DateTimeFormat("en-GB", { timeZone, year: "numeric" }).format(at);
  if (year(ms) === year(now)) return formatDateTime(ms, timeZone);
  return new Intl.DateTimeFormat("en-GB", {
    timeZone,
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).format(ms);
}

type DropResult = {
  // the form answered: a drop's id (or "new") and what was asked of it
  target: string;
  intent: "create" | "edit" | "start" | "end";
  ok: boolean;
  message: string;
  // a refused new drop: the form as it was sent
  fields?: NewDropFields;
  // a new drop: its id, which also starts the form afresh
  dropId?: string;
};

// A new drop; a drop's terms changed; a drop started or ended now.
export async function action({ request, context }: ActionFunctionArgs) {
  const { operator, timeZone } = await requireOperatorWrite(request, context);
  const { database, clock } = context.app;
  const form = await request.formData();
  const intent = form.get("intent");
  const asked = intent === "create" || intent === "start" || intent === "end" ? intent : "edit";
  const answer = (result: Omit<DropResult, "intent">, status = 200) =>
    data<DropResult>({ ...result, intent: asked }, { status });

  // product ids and names (with the drop each is in) for a refusal
  const refused = async (target: string, outcome: Parameters<typeof dropRefusalMessage>[0]) => {
    const drops = outcome.code === "product_in_drop" ? await listDrops({ database, now: clock() }) : [];
    const inDrop = dropsByProduct(drops);
    const names = new Map(
      drops.flatMap((d) => d.products).map((p) => [p.id, `${p.name} (in ${inDrop.get(p.id) ?? "another drop"})`]),
    );
    const status = outcome.code === "product_in_drop" ? 409 : outcome.code === "not_found" ? 404 : 400;
    return { target, message: dropRefusalMessage(outcome, names), status };
  };

  if (intent === "create") {
    const fields = newDropFields(form);
    const input = newDropForm(form, timeZone);
    if (!input.ok) return answer({ target: "new", ok: false, message: input.message, fields }, 400);
    const outcome = await createDrop({ database, drop: input.data, operator, now: clock() });
    if (!outcome.ok) {
      const { message, status } = await refused("new", outcome);
      return answer({ target: "new", ok: false, message, fields }, status);
    }
    return answer({ target: "new", ok: true, message: `Made ${outcome.drop.name}.`, dropId: outcome.drop.id });
  }

  const id = form.get("id");
  if (typeof id !== "string" || !ID_PATTERN.test(id)) throw new Response("Not found", { status: 404 });
  const now = clock();
  let changes;
  if (intent === "start" || intent === "end") {
    // a second press (a page sent again, or a drop that opened or closed by
    // itself meanwhile) must not move an edge that has already passed
    const drop = await getDrop({ database, id, now });
    if (!drop) throw new Response("Not found", { status: 404 });
    const wanted: DropPhase = intent === "start" ? "upcoming" : "live";
    if (drop.phase !== wanted) {
      const already = drop.phase === "live" ? "is live already" : "has ended already";
      return answer({ target: id, ok: false, message: `${drop.name} ${already}.` }, 409);
    }
    changes = dropMomentForm(intent === "start" ? "startsAt" : "endsAt", now);
  } else {
    changes = dropChangesForm(form, timeZone);
  }
  if (!changes.ok) return answer({ target: id, ok: false, message: changes.message }, 400);
  const outcome = await editDrop({ database, id, changes: changes.data, operator, now });
  if (!outcome.ok) {
    if (outcome.code === "not_found" && outcome.missing.length === 0) throw new Response("Not found", { status: 404 });
    const { message, status } = await refused(id, outcome);
    return answer({ target: id, ok: false, message }, status);
  }
  const done = { start: `${outcome.drop.name} is live.`, end: `${outcome.drop.name} has ended.` };
  return answer({ target: id, ok: true, message: intent === "start" || intent === "end" ? done[intent] : "Saved." });
}

export default function ConsoleDrops() {
  const { drops, products, timeZone, now } = useLoaderData<typeof loader>();
  const result = useLastAnswer(useActionData<typeof action>());
  const navigation = useNavigation();
  const busy = (target: string, intent: string) =>
    navigation.formData?.get("intent") === intent && (navigation.formData.get("id") ?? "new") === target;
  const said = (target: string, intents: DropResult["intent"][]) =>
    result?.target === target && intents.includes(result.intent) ? (
      <p role="status" className={`text-sm ${result.ok ? "text-ok-ink" : "text-danger-ink"}`}>
        {result.message}
      </p>
    ) : null;
  const open = drops.filter((d) => d.phase !== "ended");
  return (
    <>
      <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">Drops</h1>
      <p className="mt-1 max-w-prose text-muted">
        Limited sales over some products: open from their start, with their own hold length and a limit on each
        customer. Times in {timeZone}.
      </p>

      {drops.length === 0 ? (
        <p className="mt-6 text-muted">No drops yet.</p>
      ) : (
        <div className="mt-6 relative overflow-x-auto rounded-card border border-line bg-card">
          <table className="data-table">
            <caption className="sr-only">Drops: live and upcoming first, then the ones that ended</caption>
            <thead>
              <tr>
                <th scope="col">Drop</th>
                <th scope="col">Phase</th>
                <th scope="col">Products</th>
                <th scope="col">Starts</th>
                <th scope="col">Ends</th>
                <th scope="col" className="num">
                  Hold
                </th>
                <th scope="col" className="num">
                  Per customer
                </th>
                <th scope="col" className="num">
                  Extensions
                </th>
              </tr>
            </thead>
            <tbody>
              {drops.map((d) => (
                <tr key={d.id}>
                  <th scope="row" className="min-w-36 font-medium">
                    {d.name}
                    <span className="mt-0.5 flex gap-3 text-xs font-normal">
                      <Link
                        to={`/drops/${d.id}`}
                        className="text-brand-700 underline underline-offset-2"
                        aria-label={`Shop page of ${d.name}`}
                      >
                        Shop page
                      </Link>
                      {d.phase === "ended" ? null : (
                        <a
                          href={`#edit-${d.id}`}
                          className="text-brand-700 underline underline-offset-2"
                          aria-label={`Edit ${d.name}`}
                        >
                          Edit
                        </a>
                      )}
                    </span>
                  </th>
                  {/* the phase and the one click that moves it on, together, so
                      a phone sees both without scrolling the table sideways */}
                  <td className="min-w-28">
                    <div className="flex flex-col items-start gap-1.5">
                      <PhaseBadge phase={d.phase} />
                      {d.phase === "ended" ? null : (
                        <Form method="post" preventScrollReset>
                          <input type="hidden" name="intent" value={d.phase === "upcoming" ? "start" : "end"} />
                          <input type="hidden" name="id" value={d.id} />
                          <button
                            type="submit"
                            className="btn btn-secondary min-h-9 px-3 py-1.5 whitespace-nowrap"
                            aria-label={`${d.phase === "upcoming" ? "Start" : "End"} ${d.name} now`}
                            disabled={busy(d.id, "start") || busy(d.id, "end")}
                          >
                            {d.phase === "upcoming" ? "Start now" : "End now"}
                          </button>
                        </Form>
                      )}
                      {said(d.id, ["start", "end"])}
                    </div>
                  </td>
                  <td className="min-w-52">
                    <ul className="space-y-0.5">
                      {d.products.map((p) => (
                        <li key={p.id}>
                          {p.name}{" "}
                          <span className="text-muted whitespace-nowrap">
                            · {formatCount(p.available)} left · {formatCount(p.waiting)} waiting
                          </span>
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td className="whitespace-nowrap">{formatWhen(d.startsAt, timeZone, now)}</td>
                  <td className="whitespace-nowrap">
                    {d.endsAt === null ? <span className="text-muted">open</span> : formatWhen(d.endsAt, timeZone, now)}
                  </td>
                  <td className="num whitespace-nowrap">{formatDuration(d.holdTtlSeconds * 1000)}</td>
                  <td className="num">{formatCount(d.maxPerCustomer)}</td>
                  <td className="num">{formatCount(d.extensions)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {open.length > 0 ? (
        <section aria-labelledby="change-drops" className="mt-10">
          <h2 id="change-drops" className="text-lg font-semibold">
            Change a drop
          </h2>
          <p className="mt-1 text-sm text-muted">
            Holds already made keep their terms. Leave the end empty to keep a drop open until it is ended.
          </p>
          <ul className="mt-3 space-y-4">
            {open.map((d) => (
              <li key={d.id} id={`edit-${d.id}`} className="card scroll-mt-4 p-4 sm:p-6">
                {/* a new form whenever the drop changes (here or anywhere): fields
                    the page filled in itself stop following their values, and
                    a form showing an old start would save it */}
                <EditDrop
                  key={JSON.stringify([d.name, d.startsAt, d.endsAt, d.holdTtlSeconds, d.maxPerCustomer, d.extensions])}
                  drop={d}
                  busy={busy(d.id, "edit")}
                  said={said(d.id, ["edit"])}
                />
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <NewDrop
        products={products}
        answer={result?.target === "new" ? result : undefined}
        busy={busy("new", "create")}
        said={said("new", ["create"])}
      />
    </>
  );
}

type DropRow = ReturnType<typeof useLoaderData<typeof loader>>["drops"][number];

function EditDrop({ drop, busy, said }: { drop: DropRow; busy: boolean; said: React.ReactNode }) {
  const field = (name: string) => `${drop.id}-${name}`;
  return (
    <Form method="post" preventScrollReset aria-label={`Change ${drop.name}`}>
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <h3 className="font-semibold">{drop.name}</h3>
        <PhaseBadge phase={drop.phase} />
      </div>
      <input type="hidden" name="intent" value="edit" />
      <input type="hidden" name="id" value={drop.id} />
      {/* the values as first shown: only the fields changed from these are saved */}
      <input type="hidden" name="was.name" defaultValue={drop.name} />
      <input type="hidden" name="was.startsAt" defaultValue={drop.local.startsAt} />
      <input type="hidden" name="was.endsAt" defaultValue={drop.local.endsAt} />
      <input type="hidden" name="was.holdTtlSeconds" defaultValue={drop.holdTtlSeconds} />
      <input type="hidden" name="was.maxPerCustomer" defaultValue={drop.maxPerCustomer} />
      <input type="hidden" name="was.extensions" defaultValue={drop.extensions} />
      <div className="mt-4 grid grid-cols-3 gap-x-3 gap-y-4 sm:grid-cols-2 sm:gap-4 lg:grid-cols-4">
        <div className="col-span-3 sm:col-span-2">
          <label htmlFor={field("name")} className="label">
            Name
          </label>
          <input
            id={field("name")}
            name="name"
            required
            maxLength={80}
            defaultValue={drop.name}
            className="field mt-1.5"
          />
        </div>
        <WindowFields idPrefix={drop.id} startsAt={drop.local.startsAt} endsAt={drop.local.endsAt} />
        <TermsFields idPrefix={drop.id} terms={drop} />
        <div className="col-span-3 flex items-end sm:col-span-1">
          <button type="submit" className="btn btn-primary w-full sm:w-auto" disabled={busy}>
            {busy ? "Saving…" : "Save changes"}
          </button>
        </div>
      </div>
      <div className="mt-3 empty:hidden">{said}</div>
    </Form>
  );
}

function NewDrop({
  products,
  answer,
  busy,
  said,
}: {
  products: ReturnType<typeof useLoaderData<typeof loader>>["products"];
  answer: DropResult | undefined;
  busy: boolean;
  said: React.ReactNode;
}) {
  // a refused form comes back as it was sent; a made drop starts it afresh
  const fields = answer && !answer.ok ? answer.fields : undefined;
  const chosen = new Set(fields?.productIds ?? []);
  const categories = [...new Set(products.map((p) => p.category))];
  return (
    <section aria-labelledby="new-drop" className="card mt-10 p-4 sm:p-6">
      <h2 id="new-drop" className="font-semibold">
        New drop
      </h2>
      <Form key={answer?.dropId ?? "new"} method="post" className="mt-4 space-y-4" aria-labelledby="new-drop">
        <input type="hidden" name="intent" value="create" />
        <div className="grid grid-cols-3 gap-x-3 gap-y-4 sm:grid-cols-2 sm:gap-4 lg:grid-cols-4">
          <div className="col-span-3 sm:col-span-2">
            <label htmlFor="new-name" className="label">
              Name
            </label>
            <input
              id="new-name"
              name="name"
              required
              maxLength={80}
              placeholder="Spring launch"
              defaultValue={fields?.name}
              className="field mt-1.5"
            />
          </div>
          <WindowFields idPrefix="new" startsAt={fields?.startsAt ?? ""} endsAt={fields?.endsAt ?? ""} />
          <TermsFields
            idPrefix="new"
            terms={{
              holdTtlSeconds: fields?.holdTtlSeconds ?? DROP_DEFAULTS.holdTtlSeconds,
              maxPerCustomer: fields?.maxPerCustomer ?? DROP_DEFAULTS.maxPerCustomer,
              extensions: fields?.extensions ?? DROP_DEFAULTS.extensions,
            }}
          />
        </div>
        <fieldset>
          <legend className="label">Products</legend>
          <p className="mt-1 text-sm text-muted">
            A product can be in one drop at a time, until that drop ends. Units left are across all warehouses.
          </p>
          <div className="mt-2 max-h-80 overflow-y-auto rounded-lg border border-line p-3">
            {categories.map((category) => (
              <fieldset key={category} className="not-first:mt-3">
                <legend className="text-xs font-semibold text-muted">{category}</legend>
                <div className="mt-1 grid gap-x-4 sm:grid-cols-2 lg:grid-cols-3">
                  {products
                    .filter((p) => p.category === category)
                    .map((p) => (
                      <label key={p.id} className="flex min-h-9 items-center gap-2 text-sm">
                        <input
                          type="checkbox"
                          name="productIds"
                          value={p.id}
                          defaultChecked={chosen.has(p.id)}
                          className="size-4 shrink-0 accent-brand-600"
                        />
                        <span className="min-w-0">
                          {p.name}{" "}
                          <span className="text-muted whitespace-nowrap">· {formatCount(p.available)} left</span>
                          {p.inDrop ? (
                            <span className="block truncate text-xs text-warn-ink">in {p.inDrop}</span>
                          ) : null}
                        </span>
                      </label>
                    ))}
                </div>
              </fieldset>
            ))}
          </div>
        </fieldset>
        <div className="flex flex-wrap items-center gap-3">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? "Making…" : "Make drop"}
          </button>
          {said}
        </div>
      </Form>
    </section>
  );
}

function WindowFields({ idPrefix, startsAt, endsAt }: { idPrefix: string; startsAt: string; endsAt: string }) {
  // to the second: a drop started "now" starts on a second, not a minute
  return (
    <>
      <div className="col-span-3 sm:col-span-1">
        <label htmlFor={`${idPrefix}-startsAt`} className="label">
          Starts
        </label>
        <input
          id={`${idPrefix}-startsAt`}
          name="startsAt"
          type="datetime-local"
          step={1}
          required
          defaultValue={startsAt}
          className="field mt-1.5"
        />
      </div>
      <div className="col-span-3 sm:col-span-1">
        <label htmlFor={`${idPrefix}-endsAt`} className="label">
          Ends <span className="font-normal normal-case">(optional)</span>
        </label>
        <input
          id={`${idPrefix}-endsAt`}
          name="endsAt"
          type="datetime-local"
          step={1}
          defaultValue={endsAt}
          className="field mt-1.5"
        />
      </div>
    </>
  );
}

function TermsFields({
  idPrefix,
  terms,
}: {
  idPrefix: string;
  terms: { holdTtlSeconds: number | string; maxPerCustomer: number | string; extensions: number | string };
}) {
  // three abreast on a phone: a label that wraps keeps its field in line
  const number = (name: keyof typeof terms, label: string, min: number, max: number) => (
    <div className="flex flex-col justify-end">
      <label htmlFor={`${idPrefix}-${name}`} className="label">
        {label}
      </label>
      <input
        id={`${idPrefix}-${name}`}
        name={name}
        type="number"
        inputMode="numeric"
        required
        min={min}
        max={max}
        step={1}
        defaultValue={terms[name]}
        className="field mt-1.5 tabular-nums"
      />
    </div>
  );
  return (
    <>
      {number("holdTtlSeconds", "Hold length (s)", 10, 3600)}
      {number("maxPerCustomer", "Per customer", 1, 1000)}
      {number("extensions", "Extensions", 0, 5)}
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
