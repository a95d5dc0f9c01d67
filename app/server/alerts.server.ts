import type { Log } from "~/infra/log.server";

// Alerts to a webhook (ALERT_WEBHOOK_URL): a JSON POST with a `text` field,
// so a Slack-style webhook shows it. Each condition is sent once, until it
// clears; a failed delivery is retried with a growing wait. Nothing here is
// ever in a write's path: raising an alert returns at once.

export type Alerts = {
  // the condition holds now; sends `text` unless it was already sent
  raise: (condition: string, text: string, details?: Record<string, unknown>) => void;
  // the condition is over; it will be sent again if it comes back
  clear: (condition: string) => void;
  active: () => string[];
};

const RETRIES = 5;

export function createAlerts({
  url,
  log,
  firstRetryMs = 1_000,
}: {
  url: string | undefined;
  log: Log;
  firstRetryMs?: number;
}): Alerts {
  const raised = new Set<string>();

  async function deliver(body: string, condition: string) {
    for (let attempt = 0; attempt <= RETRIES; attempt++) {
      if (!raised.has(condition)) return;
      try {
        const response = await fetch(url!, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body,
          signal: AbortSignal.timeout(5_000),
        });
        if (response.ok) return;
        log("alert not delivered", { level: "error", condition, status: response.status });
      } catch (error) {
        log("alert not delivered", { level: "error", condition, error: String(error) });
      }
      await new Promise((resolve) => setTimeout(resolve, firstRetryMs * 2 ** attempt).unref());
    }
  }

  return {
    raise(condition, text, details = {}) {
      if (raised.has(condition)) return;
      raised.add(condition);
      log("alert", { level: "error", condition, text });
      if (url) void deliver(JSON.stringify({ text, condition, ...details }), condition);
    },
    clear(condition) {
      raised.delete(condition);
    },
    active: () => [...raised],
  };
}
