// The bare node:http server the benchmark measures everything against: one
// small JSON answer, no framework, no database. Prints the address it
// listens on.
import { createServer } from "node:http";

const body = JSON.stringify({ status: "ok" });
const server = createServer((req, res) => {
  res.writeHead(200, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
  res.end(body);
});
server.listen(0, "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${server.address().port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
