import type { LoaderFunctionArgs } from "@remix-run/node";
import { openLiveStream, resumeFrom } from "~/live/sse.server";
import { dropExists } from "~/models/drop-views.server";
import { ID_PATTERN } from "~/models/reservation";

// A drop's page, live: its phase (the button turns on at the start, by the
// server's clock), stock, waiting lines and top purchasers.
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const dropId = params.id ?? "";
  if (!ID_PATTERN.test(dropId) || !(await dropExists({ database: context.app.database, id: dropId }))) {
    return new Response("Not found", { status: 404 });
  }
  return openLiveStream(context, request, (channel) =>
    context.app.live.watchDrop({
      dropId,
      after: resumeFrom(request),
      stream: { send: (data) => channel.send({ event: "drop", id: data.id, data }), close: channel.close },
    }),
  );
}
