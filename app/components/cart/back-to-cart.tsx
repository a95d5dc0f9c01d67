import { useHydrated } from "remix-utils/use-hydrated";

// Without JavaScript a cart form is a plain post, and the server answers it
// with a redirect to the cart (POST-redirect-GET: reloading the page never
// sends the form twice). With JavaScript the same form goes by fetcher and
// stays on its page, so the field is left out and the answer is data for
// the page to show.
export function BackToCart() {
  return useHydrated() ? null : <input type="hidden" name="redirectTo" value="/cart" />;
}
