import type { LoaderFunctionArgs } from "@remix-run/node";
import { sessionHolder } from "~/http/session.server";
import { openLiveStream, resumeFrom } from "~/live/sse.server";
import { getReservation } from "~/models/reservation.server";

// The holder's reservation, live: a message whenever its status or expiry
// changes, from any tab, the API or a sweep. Anyone else gets 404.
export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const { database, clock, env, policy, live } = context.app;
  const holder = await sessionHolder(request, env.SESSION_SECRET);
  const reservation = holder.sessionHash
    ? await getReservation({ database, id: params.id ?? "", holder, policy, now: clock() })
    : null;
  if (!reservation) return new Response("Not found", { status: 404 });
  return openLiveStream(context, request, (channel) =>
    live.watchReservation({
      reservationId: reservation.id,
      after: resumeFrom(request),
      current: { status: reservation.status, expiresAt: reservation.expiresAt },
      stream: { send: (data) => channel.send({ event: "reservation", id: data.id, data }), close: channel.close },
    }),
  );
}
