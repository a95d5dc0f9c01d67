// How many live streams are open: in the whole process and per client
// address. A stream takes a slot before it starts and gives it back when it
// ends, so one client cannot hold thousands of connections open and a busy
// process turns new streams away (429) rather than run out of memory.

type StreamSlot = { release: () => void };

export type StreamSlots = {
  take: (address: string) => { ok: true; slot: StreamSlot } | { ok: false; scope: "process" | "client" };
  open: () => number;
};

export function createStreamSlots({ max, perClient }: { max: number; perClient: number }): StreamSlots {
  const byClient = new Map<string, number>();
  let open = 0;
  return {
    take(address) {
      if (open >= max) return { ok: false, scope: "process" };
      const mine = byClient.get(address) ?? 0;
      if (mine >= perClient) return { ok: false, scope: "client" };
      open += 1;
      byClient.set(address, mine + 1);
      let released = false;
      return {
        ok: true,
        slot: {
          release() {
            if (released) return;
            released = true;
            open -= 1;
            const left = (byClient.get(address) ?? 1) - 1;
            if (left === 0) byClient.delete(address);
            else byClient.set(address, left);
          },
        },
      };
    },
    open: () => open,
  };
}
