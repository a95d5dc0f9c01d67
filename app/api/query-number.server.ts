import { z } from "zod";

// A whole number given in a query string, such as a page's `limit`. It must
// be written as one, in digits without leading zeros: coercion alone also
// reads "+1", "1e1", "0x10", "1.0" or " " as numbers, so `?limit=0x10`
// would quietly have meant 16.
const wholeNumber = /^\s*-?(0|[1-9]\d*)\s*$/;

export const wholeNumberQuery = ({ min, max }: { min: number; max: number }) =>
  z.preprocess(
    (value) => (typeof value === "string" && !wholeNumber.test(value) ? Number.NaN : value),
    z.coerce
      .number({ invalid_type_error: "must be a whole number" })
      .int("must be a whole number")
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`),
  );
