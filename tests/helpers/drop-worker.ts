// A server process of its own racing for a drop: `tries` holds of one unit
// for each of `customers` integrator customers, all at once from the
// wall-clock moment `startAt`, on the drop's clock `now`; prints each
// try's customer and how it ended.
import { createDatabase } from "~/infra/db/db.server";
import { integratorCustomer } from "~/models/customers.server";
import { holdPolicy } from "~/models/reservation";
import { clientKeys, reserve } from "~/models/reservation.server";

const [url, productId, customers, tries, now, startAt] = process.argv.slice(2);
const database = createDatabase({ url: url! });
const requester = clientKeys({ sessionHash: null, address: "127.0.0.1" });
const fairUse = { holdsPerClient: 0, unitsPerClient: 0, unitsPerAddress: 0, holdsPerCustomer: 5 };
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAt) - Date.now())));
const attempts = Array.from({ length: Number(customers) * Number(tries) }, (_, i) => `c${i % Number(customers)}`);
const outcomes = await Promise.all(
  attempts.map((id) =>
    reserve({
      database,
      items: [{ productId: productId!, warehouseId: "blr-01", quantity: 1 }],
      holder: { sessionHash: null },
      requester,
      customer: integratorCustomer({ apiKeyId: "key-1", id, displayName: null }),
      fairUse,
      policy: holdPolicy(600),
      now: Number(now),
    }).then(
      (o) => ({ customer: id, outcome: o.ok ? "ok" : o.code }),
      (e: unknown) => ({ customer: id, outcome: `error: ${e instanceof Error ? e.message : String(e)}` }),
    ),
  ),
);
await database.close();
process.stdout.write(JSON.stringify(outcomes));
