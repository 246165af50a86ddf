import { WeftApiError } from "../../client";
import { h } from "../dom";

/** A problem+json (or network) error as a readable block, with each validation problem listed. */
export function errorBox(err: unknown, what: string): HTMLElement {
  const box = h("div", { class: "error-box", role: "alert" }, h("strong", {}, what));
  if (err instanceof WeftApiError) {
    box.append(h("p", {}, `${err.status} ${err.problem.title}: ${err.problem.detail}`));
    if (err.problem.errors?.length) box.append(h("ul", {}, err.problem.errors.map((e) => h("li", {}, h("code", {}, e.path || "/"), " ", e.message))));
  } else {
    box.append(h("p", {}, err instanceof Error ? err.message : String(err)));
  }
  return box;
}
