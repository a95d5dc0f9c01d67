import type { LoaderFunctionArgs } from "@remix-run/node";
import { operatorSession } from "~/http/operator-session.server";
import { openLiveStream, resumeFrom } from "~/live/sse.server";

// The console's live stream: a message whenever anything happened, so the
// open console pages reload their data.
export async function loader({ request, context }: LoaderFunctionArgs) {
  if (!(await operatorSession(request, context))) return new Response("Sign in first", { status: 401 });
  return openLiveStream(context, request, (channel) =>
    context.app.live.watchEverything({
      after: resumeFrom(request),
      stream: { send: (data) => channel.send({ event: "change", id: data.id, data }), close: channel.close },
    }),
  );
}
