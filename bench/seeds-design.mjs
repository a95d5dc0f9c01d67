// The design Holdfast replaced, for comparison in the same run: node:http
// and a pool of 20 PostgreSQL connections, each hold one call of a
// function that locks the row with SELECT … FOR UPDATE, checks it, counts
// the units and stores the hold. Commits are durable (fsync and
// synchronous_commit on, PostgreSQL's defaults). Prints its address.
//   PGHOST, PGPORT, PGDATABASE, PGUSER: the PostgreSQL to use
import { createServer } from "node:http";
import pg from "pg";

const pool = new pg.Pool({ max: 20 });

const server = createServer((req, res) => {
  const answer = (status, payload) => {
    res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
    res.end(JSON.stringify(payload));
  };
  if (req.method !== "POST" || req.url !== "/api/reservations") return answer(404, { error: "not found" });
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    let hold;
    try {
      hold = JSON.parse(Buffer.concat(chunks).toString());
    } catch {
      return answer(400, { error: "body: must be valid JSON" });
    }
    pool
      .query("SELECT reserve($1, $2, $3, $4) AS id", [hold.productId, hold.warehouseId, hold.quantity, 600])
      .then(({ rows }) =>
        rows[0].id === null
          ? answer(409, { error: { code: "insufficient_stock" } })
          : answer(201, { id: rows[0].id, status: "pending" }),
      )
      .catch(() => answer(500, { error: "internal_error" }));
  });
});
server.listen(0, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
process.on("SIGTERM", () => server.close(() => pool.end().then(() => process.exit(0))));
