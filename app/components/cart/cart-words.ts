import type { StockLevel } from "~/models/inventory";
import { FEW_LEFT } from "../stock";

// How a cart line's stock reads to a shopper, from the live counts.

export type Tone = "ok" | "warn" | "danger";

type Line = { warehouseId: string; warehouseName: string; quantity: number; archived: boolean; inDrop: boolean };

export function availabilityNote(line: Line, available: number): { text: string; tone: Tone } {
  const here = line.warehouseName;
  if (line.archived) return { text: "No longer sold", tone: "danger" };
  if (line.inDrop) return { text: "Now sold in a drop: get it on the drop's page", tone: "danger" };
  if (available <= 0) return { text: `Sold out at ${here}`, tone: "danger" };
  if (available < line.quantity) return { text: `Not enough at ${here}: ${available} left`, tone: "danger" };
  if (available <= FEW_LEFT) return { text: `Only ${available} left at ${here}`, tone: "warn" };
  return { text: `In stock at ${here}`, tone: "ok" };
}

const others = (line: Line, stock: StockLevel[]) =>
  stock.filter((s) => s.warehouseId !== line.warehouseId && s.available > 0).sort((a, b) => b.available - a.available);

// A line a hold could not have, and where the rest is:
// "2 wanted, 1 left at Delhi — 4 at Mumbai".
export function shortLineMessage(line: Line, available: number, stock: StockLevel[]): string {
  const head = `${line.quantity} wanted, ${available > 0 ? available : "none"} left at ${line.warehouseName}`;
  const elsewhere = others(line, stock).slice(0, 2);
  if (elsewhere.length === 0) return `${head}, and none anywhere else`;
  return `${head} — ${elsewhere.map((s) => `${s.available} at ${s.warehouseName}`).join(", ")}`;
}

// Where a short line could move to: the warehouses with all of it, or
// failing that, the one with the most (more than here).
export function moveTargets(line: Line, available: number, stock: StockLevel[]): StockLevel[] {
  const candidates = others(line, stock);
  const enough = candidates.filter((s) => s.available >= line.quantity);
  if (enough.length > 0) return enough.slice(0, 2);
  return candidates.filter((s) => s.available > available).slice(0, 1);
}
