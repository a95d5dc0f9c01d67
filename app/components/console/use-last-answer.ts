import { useState } from "react";

// The answer to the page's last form (its useActionData), kept until the
// next one. A console page reloads its data whenever anything happens in
// the shop (its live stream; the operator's own change is such a thing),
// and a reload drops the action's answer: without this, "Released …" or a
// new API key would vanish a second after it appeared.
export function useLastAnswer<T>(answer: T | undefined): T | undefined {
  const [last, setLast] = useState(answer);
  if (answer !== undefined && answer !== last) setLast(answer);
  return answer ?? last;
}
