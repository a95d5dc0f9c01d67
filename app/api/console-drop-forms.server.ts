import type { z } from "zod";
import type { DropOutcome } from "~/models/drops.server";
import { changedOnly, offsetAt, parseForm, wholeNumber } from "./console-forms.server";
import { createDropRequest, editDropRequest } from "./drops-contract.server";

// The console's drop forms, read into the admin API's request shapes
// (createDropRequest, editDropRequest), so a form and a JSON call are
// checked by one schema. The API takes instants (ISO 8601); an operator
// types a date and time on their own wall clock (`datetime-local`), read
// here in the time zone of their sign-in.

// What the new-drop form held, to show it again after a refusal (without
// JavaScript the page is new, and would otherwise come back empty).
export type NewDropFields = {
  name: string;
  productIds: string[];
  startsAt: string;
  endsAt: string;
  holdTtlSeconds: string;
  maxPerCustomer: string;
  extensions: string;
};

const text = (value: FormDataEntryValue | null | undefined) => (typeof value === "string" ? value.trim() : "");

const labels: Record<string, string> = {
  name: "Name",
  productIds: "Products",
  startsAt: "Starts",
  endsAt: "Ends",
  holdTtlSeconds: "Hold length",
  maxPerCustomer: "Per customer",
  extensions: "Extensions",
};

// the API's words where the console's fields are named otherwise
function inConsoleWords(message: string): string {
  if (message === "must be after startsAt") return "must be after the start";
  if (message === "name at least one product") return "choose at least one";
  if (message.startsWith("Expected number")) return "enter a whole number";
  return message;
}

const parsed = <S extends z.ZodTypeAny>(schema: S, input: Record<string, unknown>) =>
  parseForm(schema, input, { labels, reword: inConsoleWords });

// A form's date and time as the API's instant: undefined when left empty,
// `false` when it is not a date and time.
function instantField(value: FormDataEntryValue | null, timeZone: string): string | undefined | false {
  const typed = text(value);
  if (typed === "") return undefined;
  const instant = instantOfLocal(typed, timeZone);
  return instant === null ? false : new Date(instant).toISOString();
}

const notATime = (field: "startsAt" | "endsAt") => ({
  ok: false as const,
  message: `${labels[field]}: enter a date and a time`,
});

function termsInput(form: FormData) {
  return {
    // an empty field is left out of a new drop (it takes the default), and
    // refused in an edit (NaN, which the schema refuses)
    holdTtlSeconds: wholeNumber(form.get("holdTtlSeconds")),
    maxPerCustomer: wholeNumber(form.get("maxPerCustomer")),
    extensions: wholeNumber(form.get("extensions")),
  };
}

export function newDropFields(form: FormData): NewDropFields {
  return {
    name: text(form.get("name")),
    productIds: form.getAll("productIds").map(text).filter(Boolean),
    startsAt: text(form.get("startsAt")),
    endsAt: text(form.get("endsAt")),
    holdTtlSeconds: text(form.get("holdTtlSeconds")),
    maxPerCustomer: text(form.get("maxPerCustomer")),
    extensions: text(form.get("extensions")),
  };
}

// The new-drop form: its products are checkboxes (`productIds`, one entry
// each); an end left empty is a drop open until an operator ends it.
export function newDropForm(form: FormData, timeZone: string) {
  const fields = newDropFields(form);
  const startsAt = instantField(fields.startsAt, timeZone);
  const endsAt = instantField(fields.endsAt, timeZone);
  if (startsAt === undefined) return { ok: false as const, message: "Starts: choose when the drop opens" };
  if (startsAt === false) return notATime("startsAt");
  if (endsAt === false) return notATime("endsAt");
  return parsed(createDropRequest, {
    name: fields.name,
    productIds: fields.productIds,
    startsAt,
    endsAt,
    ...termsInput(form),
  });
}

// A drop's edit form carries each field twice: as the operator left it,
// and as the page showed it (`was.<name>`, hidden). Only what the operator
// changed is sent, so a form left open while someone else moved the end
// (or pressed "End now") never puts the old end back. An end emptied is
// an end taken away: open until set again.
export function dropChangesForm(form: FormData, timeZone: string) {
  const was = (name: string) => form.get(`was.${name}`);
  const read = (get: (name: string) => FormDataEntryValue | null) => {
    const startsAt = instantField(get("startsAt"), timeZone);
    const endsAt = instantField(get("endsAt"), timeZone);
    return {
      name: text(get("name")),
      startsAt,
      endsAt: endsAt === undefined ? null : endsAt,
      holdTtlSeconds: wholeNumber(get("holdTtlSeconds"), Number.NaN),
      maxPerCustomer: wholeNumber(get("maxPerCustomer"), Number.NaN),
      extensions: wholeNumber(get("extensions"), Number.NaN),
    };
  };
  const now = read((name) => form.get(name));
  if (now.startsAt === false) return notATime("startsAt");
  if (now.endsAt === false) return notATime("endsAt");
  const changes = changedOnly(now, read(was));
  if (Object.keys(changes).length === 0) return { ok: false as const, message: "Nothing changed: edit a field first." };
  return parsed(editDropRequest, changes);
}

// "Start now" and "End now": the window's one edge moved to this moment.
export function dropMomentForm(edge: "startsAt" | "endsAt", now: number) {
  return parsed(editDropRequest, { [edge]: new Date(now).toISOString() });
}

// A refused write as the console says it. `names` gives the products'
// names (and the drop each is in) where the page knows them.
export function dropRefusalMessage(outcome: Exclude<DropOutcome, { ok: true }>, names: Map<string, string>): string {
  switch (outcome.code) {
    case "not_found":
      return outcome.missing.length > 0
        ? `No such product: ${outcome.missing.join(", ")}.`
        : "That drop is gone: reload the page.";
    case "product_in_drop":
      return `Already in a drop that has not ended: ${outcome.productIds
        .map((id) => names.get(id) ?? id)
        .join(", ")}. End that drop or take them out of it first.`;
    case "invalid_window":
      return "Ends: must be after the start.";
  }
}

// `datetime-local`'s value: "2026-12-24T18:00", seconds optional
const localDateTime = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?$/;

// The instant at which `timeZone`'s wall clock reads `local`, or null when
// `local` is no date and time. Across a daylight-saving change it answers
// as a calendar app does: a time the clocks skipped over is read with the
// offset from before the change (02:30 on a spring-forward night is 03:30),
// and a time the clocks showed twice is the first of the two.
function instantOfLocal(local: string, timeZone: string): number | null {
  const match = localDateTime.exec(local);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(wall);
  // no 31 February, no 24:00
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || second > 59) return null;
  // the offsets a day either side: a zone changes at most once in between
  const before = offsetAt(wall - 86_400_000, timeZone);
  const after = offsetAt(wall + 86_400_000, timeZone);
  const fits = [wall - before, wall - after].filter((instant) => instant + offsetAt(instant, timeZone) === wall);
  return fits.length > 0 ? Math.min(...fits) : wall - before;
}

// `instant` on `timeZone`'s wall clock, as `datetime-local` shows it: to
// the second when it has seconds, else to the minute.
export function localOfInstant(instant: number, timeZone: string): string {
  const wall = new Date(Math.floor((instant + offsetAt(instant, timeZone)) / 1000) * 1000).toISOString();
  return wall.endsWith(":00.000Z") ? wall.slice(0, 16) : wall.slice(0, 19);
}
