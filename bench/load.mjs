// The load generator, run as its own process so it never shares a core's
// event loop with the server it measures. Reads a scenario as JSON from
// argv, drives it with autocannon and prints autocannon's result as JSON.
import autocannon from "autocannon";

const scenario = JSON.parse(process.argv[2]);
const rows = scenario.rows ?? [];

const request =
  scenario.kind === "health"
    ? { method: "GET", path: "/api/health" }
    : {
        method: "POST",
        path: "/api/reservations",
        headers: { "content-type": "application/json" },
        setupRequest(req) {
          const [productId, warehouseId] =
            scenario.kind === "spread" ? rows[Math.floor(Math.random() * rows.length)] : scenario.row;
          return { ...req, body: JSON.stringify({ productId, warehouseId, quantity: 1 }) };
        },
      };

const result = await autocannon({
  url: scenario.url,
  connections: scenario.connections,
  ...(scenario.amount ? { amount: scenario.amount } : { duration: scenario.duration }),
  requests: [request],
});
process.stdout.write(JSON.stringify(result));
