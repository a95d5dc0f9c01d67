import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApiReply } from "~/api/api.server";
import type { Client } from "~/http/client.server";
import type { HttpRequest } from "~/http/http-request.server";

// The JSON API's request: node's own, read through the few members a
// handler uses. No Fetch Headers are copied and no body stream is made; the
// abort signal exists only once something asks for it (the event feed).
export class ApiRequest implements HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: { get(name: string): string | null };
  readonly #body: Buffer | null;
  readonly #res: ServerResponse;
  #controller: AbortController | undefined;

  constructor(req: IncomingMessage, res: ServerResponse, client: Client, body: Buffer | null) {
    this.method = req.method ?? "GET";
    this.url = `${client.origin}${req.url ?? "/"}`;
    const headers = req.headers;
    // node lower-cases names and joins repeated headers as Fetch does
    this.headers = {
      get(name) {
        const value = headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
      },
    };
    this.#body = body;
    this.#res = res;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      const controller = new AbortController();
      const res = this.#res;
      // the client left before the answer was sent
      if (res.destroyed && !res.writableFinished) controller.abort();
      else res.once("close", () => res.writableFinished || controller.abort());
      this.#controller = controller;
    }
    return this.#controller.signal;
  }

  // the answer is out, or never will be: whatever still listens stops
  end() {
    this.#controller?.abort();
  }

  text(): Promise<string> {
    return Promise.resolve(this.#body ? this.#body.toString("utf8") : "");
  }
}

// An answer whole in memory goes out in one write. Its length is said:
// writeHead sends the head at once, so without a Content-Length node would
// frame the body in chunks, and write it in several pieces. `first` are
// headers (a flat name, value, … list) not set on `res` beforehand: when
// none were, node writes the list as it is, without a setHeader per name.
export function sendReply(res: ServerResponse, reply: ApiReply, head: boolean, first: readonly string[] = []) {
  const headers = [...first];
  for (const name in reply.headers) headers.push(name, reply.headers[name]!);
  headers.push("Content-Length", String(Buffer.byteLength(reply.body)));
  res.writeHead(reply.status, headers);
  res.end(head ? undefined : reply.body);
}
