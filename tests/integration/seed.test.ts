import { describe, expect, test } from "vitest";
import { seedCatalogue } from "../../db/catalogue";
import { seedIfEmpty } from "../../db/seed";
import { freshDatabase, rawCounts } from "../helpers/database";

describe("the demo catalogue", () => {
  test("is about 100 products over the four warehouses, the same every time", () => {
    const catalogue = seedCatalogue();
    expect(catalogue).toHaveLength(100);
    expect(new Set(catalogue.map((p) => p.id)).size).toBe(100);
    expect(seedCatalogue()).toEqual(catalogue);
    const warehouses = new Set(catalogue.flatMap((p) => p.stock.map((s) => s.warehouseId)));
    expect([...warehouses].sort()).toEqual(["blr-01", "del-01", "hyd-01", "mum-01"]);
  });

  test("mixes plenty, few (1–3) and sold-out rows", () => {
    const rows = seedCatalogue().flatMap((p) => p.stock.map((s) => s.total - s.sold));
    expect(rows.filter((a) => a === 0).length).toBeGreaterThan(10);
    expect(rows.filter((a) => a >= 1 && a <= 3).length).toBeGreaterThan(10);
    expect(rows.filter((a) => a >= 20).length).toBeGreaterThan(50);
  });

  test("seeds an empty database once and leaves a used one alone", async () => {
    const database = await freshDatabase();
    expect(await seedIfEmpty(database, 1_000)).toBe(true);
    const seeded = await rawCounts(database);
    await database.write({ statement: { sql: "UPDATE inventory SET sold = sold + 1 WHERE total > sold", args: {} } });
    const used = await rawCounts(database);

    expect(await seedIfEmpty(database, 2_000)).toBe(false);

    expect(await rawCounts(database)).toEqual(used);
    expect(used).not.toEqual(seeded);
    const products = await database.reader.execute("SELECT count(*) AS n FROM products");
    expect(Number(products.rows[0]?.n)).toBe(100);
    await database.close();
  });
});
