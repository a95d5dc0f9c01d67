import type { Clock } from "~/infra/clock.server";
import type { Database } from "~/infra/db/db.server";
import type { Log } from "~/infra/log.server";
import type { LiveHub } from "~/live/live.server";
import { listLowStock, type LowStockRow, type StockRowKey } from "~/models/low-stock.server";
import type { HoldPolicy } from "~/models/reservation";
import { readHoldStats, type HoldStats } from "~/models/stats.server";
import type { Alerts } from "./alerts.server";

// Alerts about the shop rather than the books:
// - a row crossing its low-stock threshold (low-stock.server.ts), one alert
//   per row until it has stock again. Looked at as soon as the live hub
//   tails a change to the row, and every row on a timer (a threshold
//   changed, a product archived);
// - the last hour's expiry rate (stats.server.ts) above ALERT_EXPIRY_RATE,
//   once at least MIN_ENDED_HOLDS holds have ended in it, on the timer.
// All of it runs beside the writes, never in one: it reads after the fact.

const MIN_ENDED_HOLDS = 20;

export type ShopAlerts = {
  // looks at every row and the expiry rate now (the timer calls it, tests may)
  check: () => Promise<void>;
  stop: () => Promise<void>;
};

const lowStockCondition = (row: StockRowKey) => `low_stock:${row.productId}:${row.warehouseId}`;

export function startShopAlerts({
  database,
  clock,
  log,
  live,
  alerts,
  policy,
  expiryRate,
  intervalSeconds = 60,
}: {
  database: Database;
  clock: Clock;
  log: Log;
  live: LiveHub;
  alerts: Alerts;
  policy: HoldPolicy;
  // ALERT_EXPIRY_RATE; 0: no expiry-rate alert
  expiryRate: number;
  intervalSeconds?: number;
}): ShopAlerts {
  // Rows already low when the process starts are known rather than news: a
  // deploy would otherwise send one alert for each of them. They alert
  // like any other once they have had stock again.
  let known: Set<string> | null = null;
  const changed = new Map<string, StockRowKey>();
  // one look at a time, in order, so an older read never undoes a newer one
  let looking: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  function raiseLow(row: LowStockRow) {
    const condition = lowStockCondition(row);
    if (known?.has(condition)) return;
    alerts.raise(
      condition,
      `Holdfast: ${row.productName} (${row.productId}) at ${row.warehouseName} is low on stock: ` +
        `${row.available} left, the threshold is ${row.threshold}`,
      { productId: row.productId, warehouseId: row.warehouseId, available: row.available, threshold: row.threshold },
    );
  }

  function clearLow(condition: string) {
    known?.delete(condition);
    alerts.clear(condition);
  }

  async function lookAtChangedRows() {
    const rows = [...changed.values()];
    changed.clear();
    const low = await listLowStock({ database, rows, now: clock() });
    const lowNow = new Set(low.map(lowStockCondition));
    for (const row of low) raiseLow(row);
    for (const row of rows) if (!lowNow.has(lowStockCondition(row))) clearLow(lowStockCondition(row));
  }

  async function lookAtEverything() {
    const stats = await readHoldStats({ database, window: "1h", policy, now: clock() });
    const lowNow = new Set(stats.lowStock.map(lowStockCondition));
    if (known === null) {
      known = lowNow;
      if (lowNow.size > 0) log("rows already low on stock at start, not alerted", { rows: [...lowNow].join(" ") });
    }
    for (const row of stats.lowStock) raiseLow(row);
    for (const condition of [...(known ?? []), ...alerts.active()]) {
      if (condition.startsWith("low_stock:") && !lowNow.has(condition)) clearLow(condition);
    }
    alertOnExpiryRate(stats);
  }

  function alertOnExpiryRate({ holds, expiryRate: rate }: HoldStats) {
    if (expiryRate > 0 && rate !== null && holds.ended >= MIN_ENDED_HOLDS && rate > expiryRate) {
      const percent = (fraction: number) => `${Math.round(fraction * 100)} %`;
      alerts.raise(
        "expiry_rate",
        `Holdfast: ${percent(rate)} of the holds that ended in the last hour expired unpaid ` +
          `(${holds.expired} of ${holds.ended}); the alert is set at ${percent(expiryRate)}`,
        { expired: holds.expired, ended: holds.ended, expiryRate: rate, threshold: expiryRate },
      );
    } else {
      alerts.clear("expiry_rate");
    }
  }

  function look(what: () => Promise<void>): Promise<void> {
    looking = looking.then(what).catch((error: unknown) => {
      log("shop alerts: could not look", { level: "error", error: String(error) });
    });
    return looking;
  }

  const unobserve = live.observe((events) => {
    const before = changed.size;
    for (const e of events) {
      if (e.type.startsWith("stock_") && e.productId && e.warehouseId) {
        const row = { productId: e.productId, warehouseId: e.warehouseId };
        changed.set(lowStockCondition(row), row);
      }
    }
    // a look already queued takes the new rows with it
    if (before === 0 && changed.size > 0) void look(lookAtChangedRows);
  });

  function schedule() {
    if (stopped) return;
    timer = setTimeout(() => void look(lookAtEverything).finally(schedule), intervalSeconds * 1000);
    timer.unref();
  }
  // the first look at once: it learns which rows are already low
  void look(lookAtEverything).finally(schedule);

  return {
    check: () => look(lookAtEverything),
    async stop() {
      stopped = true;
      unobserve();
      clearTimeout(timer);
      await looking;
    },
  };
}
