import type { LiveStock } from "~/live/live-updates";
import type { StockLevel } from "~/models/inventory";
import type { ClientLimit, CustomerLimit } from "~/models/reservation";

// How stock reads to a shopper, shared by every page that shows it.

export const FEW_LEFT = 3;

export function stockLabel(available: number): string {
  if (available <= 0) return "Sold out";
  if (available <= FEW_LEFT) return `Only ${available} left`;
  return `${available} in stock`;
}

// The page's own levels with the live counts laid over them.
export function withLiveStock(levels: StockLevel[], live: LiveStock): StockLevel[] {
  return levels.map((level) => {
    const available = live[level.productId]?.[level.warehouseId];
    return available === undefined ? level : { ...level, available };
  });
}

export function totalAvailable(levels: StockLevel[]): number {
  return levels.reduce((sum, level) => sum + Math.max(0, level.available), 0);
}

// The warehouse a reserve form starts on: the one with the most units.
export function bestWarehouse(levels: StockLevel[]): StockLevel | undefined {
  return [...levels].filter((l) => l.available > 0).sort((a, b) => b.available - a.available)[0];
}

// A hold that could not be had, said plainly, with where to get it instead:
// "Sold out at Mumbai — 3 left at Delhi".
export function shortageMessage(line: {
  warehouseId: string;
  quantity: number;
  available: number;
  stock: StockLevel[];
}): { message: string; suggestion: { warehouseId: string; quantity: number } | null } {
  const here = line.stock.find((s) => s.warehouseId === line.warehouseId)?.warehouseName ?? "that warehouse";
  const head = line.available > 0 ? `Only ${line.available} left at ${here}` : `Sold out at ${here}`;
  const elsewhere = line.stock
    .filter((s) => s.warehouseId !== line.warehouseId && s.available > 0)
    .sort((a, b) => b.available - a.available);
  const best = elsewhere.find((s) => s.available >= line.quantity) ?? elsewhere[0];
  if (best) {
    return {
      message: `${head} — ${best.available} left at ${best.warehouseName}`,
      suggestion: { warehouseId: best.warehouseId, quantity: Math.min(line.quantity, best.available) },
    };
  }
  if (line.available > 0) {
    return { message: head, suggestion: { warehouseId: line.warehouseId, quantity: line.available } };
  }
  return { message: `${head}, and everywhere else too`, suggestion: null };
}

// A fair-use cap, said to a shopper: what they hold and what to do about it.
export function shopLimitMessage(limit: ClientLimit): string {
  if (limit.scope === "address") {
    return `Too much is on hold from your network right now (${limit.pending} units). Try again once some holds end.`;
  }
  if (limit.measure === "holds") {
    const holds = limit.pending === 1 ? "1 hold" : `${limit.pending} holds`;
    return `You already have ${holds} waiting for payment, the most one shopper can have at once. Pay for or cancel ${limit.pending === 1 ? "it" : "one"} first.`;
  }
  return `You can hold at most ${limit.limit} units at once, and ${limit.pending} are on hold already. Pay for or cancel a hold first.`;
}

// The shop's words for a customer's limit: "You can have 1 of these: you
// bought 1 already."
export function customerLimitMessage(limit: CustomerLimit): string {
  if (limit.measure === "holds") {
    return `You already have ${limit.pending} holds waiting for payment, the most one shopper can have at once. Pay for or cancel one first.`;
  }
  const owned = [
    limit.confirmed > 0 ? `bought ${limit.confirmed}` : null,
    limit.pending > 0 ? `have ${limit.pending} on hold` : null,
  ].filter(Boolean);
  const already = owned.length > 0 ? `: you ${owned.join(" and ")} already` : "";
  return `You can have ${limit.limit} of these${already}.`;
}
