import type { z } from "zod";
import { eventTypes } from "~/models/events.server";
import { ID_PATTERN, RESERVATION_ID_PATTERN } from "~/models/reservation";
import {
  createApiKeyRequest,
  createProductRequest,
  createWarehouseRequest,
  editProductRequest,
  editWarehouseRequest,
  operatorReleaseRequest,
  restockRequest,
} from "./admin-contract.server";

// The console's forms, read into the admin API's request shapes: a form and
// a JSON call are checked by the same schema, so the console can never
// store what the API would refuse (or the other way round).

type FormFields = Record<string, FormDataEntryValue>;

export type FormOutcome<T> = { ok: true; data: T } | { ok: false; message: string };

const text = (value: FormDataEntryValue | null | undefined) => (typeof value === "string" ? value.trim() : undefined);

// A price as an operator types it ("3,499.50") in minor units; NaN when
// it is not a price, which the schema then refuses.
function priceCents(value: FormDataEntryValue | undefined): number | undefined {
  const typed = text(value)?.replace(/,/g, "");
  if (typed === undefined || typed === "") return undefined;
  return /^\d+(\.\d{1,2})?$/.test(typed) ? Math.round(Number(typed) * 100) : Number.NaN;
}

// A count as typed; NaN when it is not a whole number, which the schema
// then refuses; `empty` for a field left empty (by default: not sent).
export function wholeNumber(value: FormDataEntryValue | null | undefined, empty?: number): number | undefined {
  const typed = text(value);
  if (typed === undefined || typed === "") return empty;
  return /^\d+$/.test(typed) ? Number(typed) : Number.NaN;
}

const labels: Record<string, string> = {
  id: "Id",
  name: "Name",
  description: "Description",
  priceCents: "Price",
  currency: "Currency",
  imageUrl: "Picture",
  category: "Category",
  lowStockThreshold: "Low-stock threshold",
  maxPerCustomer: "Per customer",
  city: "City",
  warehouseId: "Warehouse",
  delta: "Units",
  total: "Units",
  reason: "Reason",
  note: "Note",
};

// A form's fields through the API's schema; a refusal names the field by
// its label on the page, in the page's words (`reword`).
export function parseForm<S extends z.ZodTypeAny>(
  schema: S,
  input: Record<string, unknown>,
  {
    labels: fieldLabels,
    reword = (message) => message,
  }: { labels: Record<string, string>; reword?: (message: string) => string },
): FormOutcome<z.output<S>> {
  // an empty field is a field not sent
  const result = schema.safeParse(Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)));
  if (result.success) return { ok: true, data: result.data };
  const issue = result.error.issues[0];
  const field = typeof issue?.path[0] === "string" ? issue.path[0] : null;
  const label = field ? (fieldLabels[field] ?? field) : null;
  return { ok: false, message: `${label ? `${label}: ` : ""}${issue ? reword(issue.message) : "check the form"}` };
}

const parsed = <S extends z.ZodTypeAny>(schema: S, input: Record<string, unknown>) =>
  parseForm(schema, input, { labels });

// An edit form carries each field twice: as the operator left it, and as
// the page showed it (`was.<name>`, hidden). Only the fields the operator
// changed are sent, so saving a form that was open while someone else
// changed another field (or archived the product) never undoes their change.
export function changedOnly<T extends Record<string, unknown>>(now: T, was: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(now).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(was[key])),
  ) as Partial<T>;
}

const shownAs = (form: FormFields): FormFields =>
  Object.fromEntries(
    Object.entries(form)
      .filter(([key]) => key.startsWith("was."))
      .map(([key, value]) => [key.slice("was.".length), value]),
  );

const nothingChanged = { ok: false as const, message: "Nothing changed: edit a field first." };

function productInput(form: FormFields) {
  return {
    name: text(form.name),
    description: text(form.description),
    priceCents: priceCents(form.price),
    currency: text(form.currency)?.toUpperCase(),
    imageUrl: text(form.imageUrl) || undefined,
    category: text(form.category),
    lowStockThreshold: wholeNumber(form.lowStockThreshold),
    maxPerCustomer: wholeNumber(form.maxPerCustomer),
    // the checkbox sends "true" after a hidden "false"; the last one counts
    archived: form.archived === "true",
  };
}

export function newProductForm(form: FormFields) {
  const id = text(form.id) ?? "";
  const input = productInput(form);
  // the shop draws a picture for any product id
  return parsed(createProductRequest, { id, ...input, imageUrl: input.imageUrl ?? `/images/products/${id}.svg` });
}

export function productChangesForm(form: FormFields) {
  const changes = changedOnly(productInput(form), productInput(shownAs(form)));
  return Object.keys(changes).length === 0 ? nothingChanged : parsed(editProductRequest, changes);
}

export function newWarehouseForm(form: FormFields) {
  return parsed(createWarehouseRequest, { id: text(form.id), name: text(form.name), city: text(form.city) });
}

export function warehouseChangesForm(form: FormFields) {
  const shown = shownAs(form);
  const changes = changedOnly(
    { name: text(form.name), city: text(form.city) },
    { name: text(shown.name), city: text(shown.city) },
  );
  return Object.keys(changes).length === 0 ? nothingChanged : parsed(editWarehouseRequest, changes);
}

export function newApiKeyForm(form: FormFields) {
  return parsed(createApiKeyRequest, { name: text(form.name) });
}

// A row's stock change as the console asks for it: add, remove or set a
// number of units.
export function stockChangeForm(form: FormFields, productId: string) {
  const units = wholeNumber(form.units) ?? Number.NaN;
  if (!Number.isSafeInteger(units)) return { ok: false as const, message: "Units: enter a whole number, 0 or more" };
  const how = text(form.how);
  const change = how === "set" ? { total: units } : how === "remove" ? { delta: -units } : { delta: units };
  return parsed(restockRequest, {
    productId,
    warehouseId: text(form.warehouseId),
    ...change,
    reason: text(form.reason),
    note: text(form.note) || undefined,
  });
}

// An operator's release of one hold, with the reason it is recorded with.
export function releaseForm(form: FormFields) {
  const id = text(form.id) ?? "";
  if (!RESERVATION_ID_PATTERN.test(id)) return { ok: false as const, message: "No such hold." };
  const reason = parsed(operatorReleaseRequest, { reason: text(form.reason) });
  return reason.ok ? { ok: true as const, data: { id, reason: reason.data.reason } } : reason;
}

// The audit trail's filter form: days (in the operator's time zone) rather
// than instants. A field that does not parse is left out, and `fields` is
// what the form shows again.
export function auditFilterForm(params: URLSearchParams, timeZone: string) {
  const value = (name: string) => params.get(name)?.trim() ?? "";
  const day = /^\d{4}-\d{2}-\d{2}$/;
  const productId = ID_PATTERN.test(value("productId")) ? value("productId") : undefined;
  const warehouseId = ID_PATTERN.test(value("warehouseId")) ? value("warehouseId") : undefined;
  const type = (eventTypes as readonly string[]).includes(value("type")) ? value("type") : undefined;
  const from = day.test(value("from")) ? startOfDay(value("from"), timeZone) : undefined;
  // the whole of the last day, however long it is
  const to = day.test(value("to")) ? startOfDay(nextDay(value("to")), timeZone) : undefined;
  const after = /^[1-9]\d{0,15}$/.test(value("after")) ? Number(value("after")) : null;
  return {
    filter: { productId, warehouseId, types: type ? [type] : undefined, from, to },
    cursor: after,
    fields: {
      productId: productId ?? "",
      warehouseId: warehouseId ?? "",
      type: type ?? "",
      from: from === undefined ? "" : value("from"),
      to: to === undefined ? "" : value("to"),
    },
  };
}

// Midnight of `date` (YYYY-MM-DD) in `timeZone`, as epoch ms. The zone's
// offset is read at the local midnight itself (a first guess from UTC
// midnight, then once more), so a day that starts or ends a daylight-saving
// change still starts at its own midnight.
function startOfDay(date: string, timeZone: string): number {
  const [year, month, dayOfMonth] = date.split("-").map(Number) as [number, number, number];
  const wallMidnight = Date.UTC(year, month - 1, dayOfMonth);
  const firstGuess = wallMidnight - offsetAt(wallMidnight, timeZone);
  return wallMidnight - offsetAt(firstGuess, timeZone);
}

// How far the zone's wall clock is ahead of UTC at `instant` (whole
// seconds: the wall clock shows no milliseconds).
export function offsetAt(instant: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    })
      .formatToParts(instant)
      .map((part) => [part.type, Number(part.value)]),
  ) as Record<string, number>;
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - (instant - (instant % 1000));
}

// The day after `date`, as YYYY-MM-DD.
function nextDay(date: string): string {
  const [year, month, dayOfMonth] = date.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, dayOfMonth + 1)).toISOString().slice(0, 10);
}
