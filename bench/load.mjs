// The load generator, run as its own process so it never shares a core's
// event loop with the server it measures. Reads a scenario as JSON from
// stdin (a drop's 2,000 keys would not fit in one argument), drives it with
// autocannon and prints autocannon's result as JSON.
import { readFileSync } from "node:fs";
import autocannon from "autocannon";

const scenario = JSON.parse(readFileSync(0, "utf8"));
const rows = scenario.rows ?? [];
const keys = scenario.keys ?? [];

// A drop's answers, by status and error code (`409 insufficient_stock`), and
// when the last one came: autocannon counts statuses only, and its own
// duration runs on to its next one-second sample, which for a run of a
// second or two is most of the figure.
const answers = {};
const started = performance.now();
let lastAnswer = started;
let sent = 0;

function dropRequest() {
  return {
    method: "POST",
    path: "/api/reservations",
    setupRequest(req) {
      // each request is the next customer's; a second pass starts again at
      // the first, so every customer tries once per pass
      const n = (sent % keys.length) + 1;
      sent += 1;
      return {
        ...req,
        headers: { "content-type": "application/json", authorization: `Bearer ${keys[n - 1]}` },
        body: JSON.stringify({
          productId: scenario.row[0],
          warehouseId: scenario.row[1],
          quantity: 1,
          customer: { id: `customer-${n}`, displayName: `Customer ${n}` },
        }),
      };
    },
    onResponse(status, body) {
      lastAnswer = performance.now();
      let code = "";
      try {
        code = JSON.parse(body).error?.code ?? "";
      } catch {
        // not JSON (a proxy's error page, say): the status alone says enough
      }
      const answer = code ? `${status} ${code}` : String(status);
      answers[answer] = (answers[answer] ?? 0) + 1;
    },
  };
}

const request =
  scenario.kind === "health"
    ? { method: "GET", path: "/api/health" }
    : scenario.kind === "drop"
      ? dropRequest()
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
  ...(scenario.overallRate
    ? {
        overallRate: scenario.overallRate,
        // autocannon's correction for a paced run assumes one request every
        // ceil(1 / rate) ms, i.e. 1 ms, and would fill the histogram with
        // made-up samples below every real latency
        ignoreCoordinatedOmission: true,
      }
    : {}),
  requests: [request],
});
process.stdout.write(
  JSON.stringify(scenario.kind === "drop" ? { ...result, answers, seconds: (lastAnswer - started) / 1000 } : result),
);
