import type { Database } from "~/infra/db/db.server";
import { hashSecret } from "./holder.server";

// A customer, for the per-customer limits and the top-purchasers list: a
// shop's browser session, or an integrator key's customer (the key and the
// id the integrator gave). Only a hash of either is stored, so one key's
// customer "42" is never another key's.
export type Customer = {
  key: string;
  // the key whose customer it is: that key may act on its holds
  apiKeyId: string | null;
  // given with the hold that names it: stored with the hold, if it is made
  displayName: string | null;
};

export function shopCustomer(sessionHash: string, displayName: string | null): Customer {
  return { key: hashSecret(`session:${sessionHash}`), apiKeyId: null, displayName };
}

export function integratorCustomer({
  apiKeyId,
  id,
  displayName,
}: {
  apiKeyId: string;
  id: string;
  displayName: string | null;
}): Customer {
  return { key: hashSecret(`customer:${apiKeyId}:${id}`), apiKeyId, displayName };
}

export async function displayNameOf({ database, key }: { database: Database; key: string }): Promise<string | null> {
  const result = await database.reader.execute({
    sql: `SELECT display_name FROM customers WHERE key = :key`,
    args: { key },
  });
  const name = result.rows[0]?.display_name;
  return typeof name === "string" ? name : null;
}
