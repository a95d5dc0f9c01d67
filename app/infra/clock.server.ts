// Every command takes `now` as an argument; this is where it comes from in
// the running server. Tests pass their own times instead of sleeping.
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
