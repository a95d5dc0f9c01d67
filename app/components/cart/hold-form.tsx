import { Form, useNavigation } from "@remix-run/react";

// "Hold my cart" and "Hold what's available": a plain form carrying the
// revision of the cart the shopper is looking at. The button waits while
// the hold is on its way, but a second submit (a double click, Back and
// submit again) is made harmless by the server: one revision, one hold.
export function HoldForm({
  revision,
  mode,
  label,
  className = "",
}: {
  revision: number;
  mode: "all" | "available";
  label: string;
  className?: string;
}) {
  const navigation = useNavigation();
  const holding = navigation.state !== "idle" && navigation.formData?.get("intent") === "hold";
  return (
    <Form method="post" action="/cart" className={className}>
      <input type="hidden" name="intent" value="hold" />
      <input type="hidden" name="revision" value={revision} />
      <button type="submit" name="mode" value={mode} disabled={holding} className="btn btn-primary w-full text-base">
        {holding && navigation.formData?.get("mode") === mode ? "Holding…" : label}
      </button>
    </Form>
  );
}
