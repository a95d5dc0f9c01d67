import type { LoaderFunctionArgs } from "@remix-run/node";
import { operatorSession } from "~/http/operator-session.server";
import { openLiveStream, resumeFrom } from "~/live/sse.server";

// The console's live stream: a message whenever anything happened, so the
// open console pages reload their data. It ends when the sign-in does; the
// page's next reload then goes to the login.
export async function loader({ request, context }: LoaderFunctionArgs) {
  const session = await operatorSession(request, context);
  if (!session) return new Response("Sign in first", { status: 401 });
  const { app } = context;
  return openLiveStream(context, request, (channel) => {
    const unwatch = app.live.watchEverything({
      after: resumeFrom(request),
      stream: { send: (data) => channel.send({ event: "change", id: data.id, data }), close: channel.close },
    });
    const signedOut = setTimeout(() => channel.close(), Math.max(0, session.endsAt - app.clock()));
    signedOut.unref();
    return () => {
      clearTimeout(signedOut);
      unwatch();
    };
  });
}
