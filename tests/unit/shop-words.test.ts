import { describe, expect, test } from "vitest";
import { formatClock } from "~/components/countdown";
import { formatDuration } from "~/components/format";
import { shortageMessage, stockLabel } from "~/components/stock";
import type { StockLevel } from "~/models/inventory";

const level = (warehouseId: string, warehouseName: string, available: number): StockLevel => ({
  productId: "kettle",
  warehouseId,
  warehouseName,
  total: 10,
  reserved: 0,
  sold: 10 - available,
  available,
});
const stock = [level("mum-01", "Mumbai", 0), level("del-01", "Delhi", 3), level("blr-01", "Bengaluru", 1)];

describe("what a shopper is told when a hold can't be had", () => {
  test("sold out here: where the most units are instead", () => {
    expect(shortageMessage({ warehouseId: "mum-01", quantity: 1, available: 0, stock })).toEqual({
      message: "Sold out at Mumbai — 3 left at Delhi",
      suggestion: { warehouseId: "del-01", quantity: 1 },
    });
  });

  test("too few here: a warehouse that has them all, else the biggest, with the quantity cut to fit", () => {
    expect(shortageMessage({ warehouseId: "blr-01", quantity: 2, available: 1, stock })).toEqual({
      message: "Only 1 left at Bengaluru — 3 left at Delhi",
      suggestion: { warehouseId: "del-01", quantity: 2 },
    });
    expect(shortageMessage({ warehouseId: "blr-01", quantity: 5, available: 1, stock }).suggestion).toEqual({
      warehouseId: "del-01",
      quantity: 3,
    });
  });

  test("nowhere else: what is left here, or that it is gone everywhere", () => {
    const only = [level("mum-01", "Mumbai", 2)];
    expect(shortageMessage({ warehouseId: "mum-01", quantity: 5, available: 2, stock: only })).toEqual({
      message: "Only 2 left at Mumbai",
      suggestion: { warehouseId: "mum-01", quantity: 2 },
    });
    const none = [level("mum-01", "Mumbai", 0), level("del-01", "Delhi", 0)];
    expect(shortageMessage({ warehouseId: "mum-01", quantity: 1, available: 0, stock: none })).toEqual({
      message: "Sold out at Mumbai, and everywhere else too",
      suggestion: null,
    });
  });
});

test("stock, durations and the countdown read naturally", () => {
  expect([0, 2, 3, 4, 120].map(stockLabel)).toEqual([
    "Sold out",
    "Only 2 left",
    "Only 3 left",
    "4 in stock",
    "120 in stock",
  ]);
  expect([600_000, 60_000, 100_000, 3_000, 1_000].map(formatDuration)).toEqual([
    "10 minutes",
    "1 minute",
    "1 min 40 s",
    "3 seconds",
    "1 second",
  ]);
  // a second that has started still counts: 00:00 only when time is up
  expect([600_000, 59_001, 1, 0].map(formatClock)).toEqual(["10:00", "01:00", "00:01", "00:00"]);
});
