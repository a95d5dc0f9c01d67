import { createServer, type ServerResponse } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterEach, describe, expect, test } from "vitest";
import type { ApiReply } from "~/api/api.server";
import { replyWriter } from "~/server/api-request.server";

const endOfTurn = () => new Promise((resolve) => setImmediate(resolve));

const reply = (body: string, status = 200): ApiReply => ({
  status,
  headers: { "Content-Type": "application/json; charset=utf-8" },
  body,
});

// a response that writes into `written`, or refuses its head
function fakeResponse(name: string, written: string[], refuse = false) {
  let destroyed = false;
  const res = {
    writeHead(status: number, headers: string[]) {
      if (refuse) throw new TypeError(`${name}: a header value node refuses`);
      written.push(`${name} ${status} ${headers.join(" ")}`);
    },
    end(body?: string) {
      written.push(`${name} body ${body ?? "(none)"}`);
    },
    destroy() {
      destroyed = true;
    },
  };
  return { res: res as unknown as ServerResponse, destroyed: () => destroyed };
}

describe("answers written at the end of the event loop's turn", () => {
  test("nothing goes out while the turn runs; then every answer, in the order given, head and body in one go", async () => {
    const written: string[] = [];
    const errors: unknown[] = [];
    const send = replyWriter((error) => errors.push(error));
    const a = fakeResponse("a", written);
    const b = fakeResponse("b", written);
    send(a.res, reply('{"n":1}', 201), false, ["X-Request-Id", "r1"]);
    send(b.res, reply('{"é":2}'), true);
    expect(written).toEqual([]);

    await endOfTurn();
    expect(written).toEqual([
      "a 201 X-Request-Id r1 Content-Type application/json; charset=utf-8 Content-Length 7",
      'a body {"n":1}',
      // a HEAD is told the length of the body it does not get (bytes, not characters)
      "b 200 Content-Type application/json; charset=utf-8 Content-Length 8",
      "b body (none)",
    ]);
    expect(errors).toEqual([]);
  });

  test("an answer that cannot be written is reported and its connection closed; the rest still go out", async () => {
    const written: string[] = [];
    const errors: unknown[] = [];
    const send = replyWriter((error) => errors.push(error));
    const broken = fakeResponse("broken", written, true);
    const after = fakeResponse("after", written);
    send(broken.res, reply("{}"), false);
    send(after.res, reply("{}"), false);

    await endOfTurn();
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain("broken: a header value node refuses");
    expect(broken.destroyed()).toBe(true);
    expect(after.destroyed()).toBe(false);
    expect(written).toEqual([
      "after 200 Content-Type application/json; charset=utf-8 Content-Length 2",
      "after body {}",
    ]);
  });
});

describe("over a real connection", () => {
  let close = () => Promise.resolve();
  afterEach(() => close());

  test("requests pipelined on one connection, answered out of order by their handlers, arrive in order", async () => {
    const send = replyWriter((error) => {
      throw error;
    });
    // every third request is answered a turn later than the ones after it
    const server = createServer((req, res) => {
      const n = Number(req.url!.slice(1));
      const answer = () => send(res, reply(JSON.stringify({ n })), false);
      if (n % 3 === 0) setTimeout(answer, 5);
      else answer();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    close = () => new Promise((resolve) => server.close(() => resolve()));
    const { port } = server.address() as AddressInfo;

    const count = 20;
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      let received = "";
      socket.setEncoding("utf8");
      socket.on("data", (chunk: string) => {
        received += chunk;
        if ((received.match(/HTTP\/1\.1 200/g) ?? []).length === count && received.endsWith("}")) {
          socket.end();
          resolve(received);
        }
      });
      socket.on("error", reject);
      socket.write(Array.from({ length: count }, (_, n) => `GET /${n} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`).join(""));
    });
    const bodies = [...text.matchAll(/\{"n":(\d+)\}/g)].map((m) => Number(m[1]));
    expect(bodies).toEqual(Array.from({ length: count }, (_, n) => n));
  });
});
