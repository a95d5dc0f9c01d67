import type { z } from "zod";
import { eventTypes } from "~/models/events.server";
import { ID_PATTERN } from "~/models/reservation";
import {
  createProductRequest,
  createWarehouseRequest,
  editProductRequest,
  editWarehouseRequest,
} from "./admin-contract.server";

// The console's forms, read into the admin API's request shapes: a form and
// a JSON call are checked by the same schema, so the console can never
// store what the API would refuse (or the other way round).

type FormFields = Record<string, FormDataEntryValue>;

export type FormOutcome<T> = { ok: true; data: T } | { ok: false; message: string; field: string | null };

const text = (value: FormDataEntryValue | undefined) => (typeof value === "string" ? value.trim() : undefined);

// A price as an operator types it ("3,499.50") in minor units; NaN when
// it is not a price, which the schema then refuses.
function priceCents(value: FormDataEntryValue | undefined): number | undefined {
  const typed = text(value)?.replace(/,/g, "");
  if (typed === undefined || typed === "") return undefined;
  return /^\d+(\.\d{1,2})?$/.test(typed) ? Math.round(Number(typed) * 100) : Number.NaN;
}

function wholeNumber(value: FormDataEntryValue | undefined): number | undefined {
  const typed = text(value);
  if (typed === undefined || typed === "") return undefined;
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
  city: "City",
};

function parsed<S extends z.ZodTypeAny>(schema: S, input: Record<string, unknown>): FormOutcome<z.output<S>> {
  // an empty field is a field not sent
  const result = schema.safeParse(Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)));
  if (result.success) return { ok: true, data: result.data };
  const issue = result.error.issues[0];
  const field = typeof issue?.path[0] === "string" ? issue.path[0] : null;
  const label = field ? (labels[field] ?? field) : null;
  return { ok: false, field, message: `${label ? `${label}: ` : ""}${issue?.message ?? "check the form"}` };
}

function productInput(form: FormFields) {
  return {
    name: text(form.name),
    description: text(form.description),
    priceCents: priceCents(form.price),
    currency: text(form.currency)?.toUpperCase(),
    imageUrl: text(form.imageUrl) || undefined,
    category: text(form.category),
    lowStockThreshold: wholeNumber(form.lowStockThreshold),
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
  return parsed(editProductRequest, productInput(form));
}

export function newWarehouseForm(form: FormFields) {
  return parsed(createWarehouseRequest, { id: text(form.id), name: text(form.name), city: text(form.city) });
}

export function warehouseChangesForm(form: FormFields) {
  return parsed(editWarehouseRequest, { name: text(form.name), city: text(form.city) });
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
  // the whole of the last day
  const to = day.test(value("to")) ? startOfDay(value("to"), timeZone) + 24 * 3600_000 : undefined;
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

// Midnight of `date` (YYYY-MM-DD) in `timeZone`, as epoch ms: the zone's
// offset is how far its wall clock is from UTC at about that moment.
function startOfDay(date: string, timeZone: string): number {
  const [year, month, dayOfMonth] = date.split("-").map(Number) as [number, number, number];
  const utcMidnight = Date.UTC(year, month - 1, dayOfMonth);
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
      .formatToParts(utcMidnight)
      .map((part) => [part.type, Number(part.value)]),
  ) as Record<string, number>;
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return utcMidnight - (wall - utcMidnight);
}
