// What a handler reads of a request. A page's loader gets Fetch's Request
// (Remix builds one); the JSON API gets a lighter object over node's own
// request (app/server/api-request.server.ts), because building a Fetch
// Request cost more than the rest of a small API call. Both fit this shape,
// so the helpers that read credentials, cookies and bodies serve both.
export type HttpRequest = {
  readonly method: string;
  // the whole URL, with the protocol the client really used (client.server.ts)
  readonly url: string;
  readonly headers: { get(name: string): string | null };
  // aborts when the client goes away before the answer is sent
  readonly signal: AbortSignal;
  text(): Promise<string>;
};
