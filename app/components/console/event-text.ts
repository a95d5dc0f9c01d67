import { formatCount } from "../format";

// An audit entry in words, for the console's tables. The payload is what
// the write stored (events.server.ts); anything missing reads as nothing.

export type AuditEntry = {
  id: number;
  type: string;
  reservationId: string | null;
  productId: string | null;
  warehouseId: string | null;
  payload: Record<string, unknown>;
  createdAt: number;
};

type Counts = { total?: unknown; reserved?: unknown; sold?: unknown };

const asCounts = (value: unknown): Counts | null => (value && typeof value === "object" ? (value as Counts) : null);
const count = (n: unknown) => (typeof n === "number" ? formatCount(n) : "?");
const countsText = (c: Counts | null) =>
  c ? `total ${count(c.total)}, reserved ${count(c.reserved)}, sold ${count(c.sold)}` : "";

function itemsText(items: unknown): string {
  if (!Array.isArray(items)) return "";
  return items
    .map(
      (item: { quantity?: unknown; productId?: unknown; warehouseId?: unknown }) =>
        `${count(item.quantity)} × ${String(item.productId)} @ ${String(item.warehouseId)}`,
    )
    .join(", ");
}

const holdWords: Record<string, string> = {
  reservation_created: "Hold made",
  reservation_confirmed: "Hold paid",
  reservation_released: "Hold released",
  reservation_expired: "Hold expired",
  reservation_extended: "Hold extended",
  reservation_offered: "Hold offered to the first in a drop's line",
  reservation_changed: "Hold changed",
};

export function operatorOf(entry: AuditEntry): string | null {
  return typeof entry.payload.operator === "string" ? entry.payload.operator : null;
}

// An edit's entry has the record before and after: name the fields that changed.
function editText(what: string, payload: Record<string, unknown>): string {
  const before = (payload.before ?? {}) as Record<string, unknown>;
  const after = (payload.after ?? {}) as Record<string, unknown>;
  const changed = Object.keys(after).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  return changed.length === 0 ? `${what} saved unchanged` : `${what} edited: ${changed.join(", ")}`;
}

export function describeEvent(entry: AuditEntry): string {
  const p = entry.payload;
  const words = holdWords[entry.type];
  if (words) return `${words}: ${itemsText(p.items)}`;
  const note = typeof p.note === "string" && p.note ? ` — “${p.note}”` : "";
  switch (entry.type) {
    case "operator_released":
      return `Released by the shop: ${String(p.reason ?? "")}`;
    case "stock_changed":
      return `Stock now ${countsText(asCounts(p))}`;
    case "stock_adjusted": {
      const before = asCounts(p.before);
      const after = asCounts(p.after);
      if (p.reason === "opening") return `Opening stock: ${countsText(after)}`;
      return `Stock ${String(p.reason ?? "changed")}: total ${before ? count(before.total) : "0"} → ${count(after?.total)}${note}`;
    }
    case "stock_repaired":
      return `Repaired from the holds: ${countsText(asCounts(p.before))} → ${countsText(asCounts(p.after))}`;
    case "product_created":
    case "warehouse_created":
      return `${entry.type === "product_created" ? "Product" : "Warehouse"} created`;
    case "product_updated":
      return editText("Product", p);
    case "warehouse_updated":
      return editText("Warehouse", p);
    case "api_key_created":
      return `API key created: ${String(p.name ?? "")}`;
    case "api_key_revoked":
      return `API key revoked: ${String(p.name ?? "")}`;
    case "drop_created":
      return `Drop created: ${String((p.after as { name?: unknown } | null)?.name ?? "")}`;
    case "drop_updated":
      return editText("Drop", p);
    case "waitlist_joined":
      return "A customer joined a drop's waiting line";
    default:
      return entry.type;
  }
}
