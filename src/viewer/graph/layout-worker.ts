/// <reference lib="webworker" />
import { layoutView } from "./layout";
import type { ViewModel } from "./model";

/*
 * Runs the layout off the page's thread: a thousand-task graph takes a second or two to lay out,
 * and the page stays scrollable and clickable meanwhile.
 */
self.addEventListener("message", (event: MessageEvent<{ id: number; view: ViewModel }>) => {
  const { id, view } = event.data;
  try {
    (self as unknown as Worker).postMessage({ id, layout: layoutView(view) });
  } catch (err) {
    (self as unknown as Worker).postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
});
