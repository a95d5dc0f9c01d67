// Holds the database's write lock for a while from another process, so the
// busy-retry path is exercised for real rather than imagined.
import { createClient } from "@libsql/client";

const [url, holdMs] = process.argv.slice(2);
const client = createClient({ url: url! });
const tx = await client.transaction("write");
await tx.execute("UPDATE warehouses SET name = name");
process.stdout.write("locked\n");
await new Promise((resolve) => setTimeout(resolve, Number(holdMs)));
await tx.commit();
client.close();
