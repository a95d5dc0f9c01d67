// A second (or third) process writing to the same database file: it makes
// `count` holds of one unit at once, all at the wall-clock moment `startAt`
// so that the processes really overlap, and prints how each one ended.
import { createDatabase } from "~/infra/db/db.server";
import { holdPolicy } from "~/models/reservation";
import { reserve } from "~/models/reservation.server";
import { uncapped } from "./database";

const [url, productId, warehouseId, count, startAt] = process.argv.slice(2);
const database = createDatabase({ url: url! });
const policy = holdPolicy(600);
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
const outcomes = await Promise.all(
  Array.from({ length: Number(count) }, () =>
    reserve({
      database,
      items: [{ productId: productId!, warehouseId: warehouseId!, quantity: 1 }],
      holder: { sessionHash: null },
      ...uncapped,
      policy,
      now: Date.now(),
    }).then(
      (o) => (o.ok ? "ok" : o.code),
      (e: unknown) => `error: ${e instanceof Error ? e.message : String(e)}`,
    ),
  ),
);
await database.close();
process.stdout.write(JSON.stringify(outcomes));
