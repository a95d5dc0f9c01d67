import type { HoldfastEvent } from "~/models/events.server";

// The audit trail as CSV (RFC 4180: a header row, CRLF line ends, a field
// with a comma, quote or line break in double quotes, its quotes doubled),
// streamed: a page of events is read only when the client has taken the
// one before, so an export of the whole table never sits in memory.

type Counts = { total: number; reserved: number; sold: number };

const isCounts = (value: unknown): value is Counts =>
  typeof value === "object" &&
  value !== null &&
  ["total", "reserved", "sold"].every((key) => typeof (value as Record<string, unknown>)[key] === "number");

const text = (value: unknown) => (typeof value === "string" || typeof value === "number" ? String(value) : "");

// a hold's event names no row: its lines do
function lines(e: HoldfastEvent, key: "productId" | "warehouseId"): string {
  const own = e[key];
  if (own !== null || !Array.isArray(e.payload.items)) return own ?? "";
  const named = (e.payload.items as Record<string, unknown>[]).map((item) => text(item[key]));
  return [...new Set(named)].join(" ");
}

// A stock_changed entry is the row's counts after the change; an operator's
// change and a repair carry both sides.
function counts(e: HoldfastEvent, side: "before" | "after"): Counts | null {
  const carried = e.payload[side];
  if (isCounts(carried)) return carried;
  return side === "after" && e.type === "stock_changed" && isCounts(e.payload) ? e.payload : null;
}

const countColumns = (["before", "after"] as const).flatMap((side) =>
  (["total", "reserved", "sold"] as const).map((key) => ({
    header: `${side}_${key}`,
    value: (e: HoldfastEvent) => text(counts(e, side)?.[key]),
  })),
);

const columns: { header: string; value: (e: HoldfastEvent) => string }[] = [
  { header: "id", value: (e) => String(e.id) },
  { header: "time", value: (e) => new Date(e.createdAt).toISOString() },
  { header: "type", value: (e) => e.type },
  { header: "product", value: (e) => lines(e, "productId") },
  { header: "warehouse", value: (e) => lines(e, "warehouseId") },
  { header: "reservation", value: (e) => e.reservationId ?? "" },
  { header: "operator", value: (e) => text(e.payload.operator) },
  { header: "reason", value: (e) => text(e.payload.reason) },
  { header: "note", value: (e) => text(e.payload.note) },
  ...countColumns,
  { header: "payload", value: (e) => JSON.stringify(e.payload) },
];

// A spreadsheet runs a cell that starts with = + - or @ as a formula, so
// text an operator typed (a note such as "=HYPERLINK(…)") starts with a
// quote instead; numbers stay numbers.
const inert = (value: string) => (/^[=+\-@\t\r]/.test(value) && !/^-?\d+(\.\d+)?$/.test(value) ? `'${value}` : value);
const field = (raw: string) => {
  const value = inert(raw);
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
};
const record = (fields: string[]) => `${fields.map(field).join(",")}\r\n`;

function csvStream(
  pages: AsyncGenerator<HoldfastEvent[], void, undefined>,
  onError: (error: unknown) => void,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let headerSent = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!headerSent) {
          headerSent = true;
          controller.enqueue(encoder.encode(record(columns.map((c) => c.header))));
          return;
        }
        try {
          const page = await pages.next();
          if (page.done) controller.close();
          else
            controller.enqueue(encoder.encode(page.value.map((e) => record(columns.map((c) => c.value(e)))).join("")));
        } catch (error) {
          // the status is long sent: the client sees the download cut short
          onError(error);
          controller.error(error);
        }
      },
      async cancel() {
        await pages.return();
      },
    },
    // nothing is read ahead of the client: each read pulls one page
    { highWaterMark: 0 },
  );
}

export function eventsCsvResponse({
  pages,
  now,
  onError,
}: {
  pages: AsyncGenerator<HoldfastEvent[], void, undefined>;
  now: number;
  onError: (error: unknown) => void;
}): Response {
  const stamp = new Date(now).toISOString().slice(0, 19).replaceAll(/[-:]/g, "");
  return new Response(csvStream(pages, onError), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="holdfast-events-${stamp}Z.csv"`,
      "Cache-Control": "no-store",
    },
  });
}
