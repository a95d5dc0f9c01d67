import { get } from "node:http";

// What Holdfast's writer did during a cell, read from the server's own
// metrics (/metrics on its METRICS_PORT) before and after it: how many
// commands shared a transaction, for what share of the cell the writer
// thread was running one (near 100 %, writes set the pace), and for what
// share a group was out at the writer, from the main thread's sending it to
// its hearing of the commit. Only one group is out at a time, so the
// difference between the two is the writer waiting for the main thread and
// for the messages between them.
export type WriterSample = { groups: number; commands: number; busySeconds: number; outSeconds: number };

// a metric's value, summed over its labels (the commit time is kept apart
// for committed and failed groups; both were time at the writer)
function metric(text: string, name: string): number {
  let sum = 0;
  for (const match of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "gm"))) sum += Number(match[1]);
  return sum;
}

// A connection of its own each time (no keep-alive): samples are half a
// minute apart, longer than the server keeps an idle connection, and a
// reused one could be closed under the request.
function read(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (text += chunk));
      response.on("end", () =>
        response.statusCode === 200 ? resolve(text) : reject(new Error(`${url}: ${response.statusCode}`)),
      );
    }).on("error", reject);
  });
}

export async function sampleWriter(metricsUrl: string): Promise<WriterSample> {
  const text = await read(metricsUrl);
  return {
    groups: metric(text, "holdfast_write_batch_commands_count"),
    commands: metric(text, "holdfast_write_batch_commands_sum"),
    busySeconds: metric(text, "holdfast_writer_busy_seconds_total"),
    outSeconds: metric(text, "holdfast_write_commit_seconds_sum"),
  };
}

export function writerDuring(before: WriterSample, after: WriterSample, cellSeconds: number) {
  const groups = after.groups - before.groups;
  return {
    perGroup: groups > 0 ? Math.round(((after.commands - before.commands) / groups) * 10) / 10 : 0,
    busyPercent: Math.round(((after.busySeconds - before.busySeconds) / cellSeconds) * 100),
    outPercent: Math.round(((after.outSeconds - before.outSeconds) / cellSeconds) * 100),
  };
}
