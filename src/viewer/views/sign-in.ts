import { WeftApiError } from "../../client";
import { h } from "../dom";
import { clientFor } from "../session";
import type { View, ViewContext } from "./view";

/** Asks for an API key, checks it against the API, and keeps it. */
export function signInView(ctx: ViewContext): View {
  const input = h("input", { id: "api-key", name: "api-key", type: "password", autocomplete: "off", required: true, placeholder: "weft_… or the admin token" });
  const message = h("p", { class: "field-error", role: "alert" });
  const button = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h(
    "form",
    { class: "sign-in panel" },
    h("h2", {}, "Sign in"),
    h("p", { class: "muted" }, "Paste an API key with at least the read scope (create one with POST /keys). It is kept in this browser only."),
    h("label", { for: "api-key" }, "API key"),
    input,
    message,
    button,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    button.disabled = true;
    message.textContent = "";
    try {
      await clientFor(token).listGraphs(undefined, 1);
      ctx.signIn(token);
    } catch (err) {
      message.textContent =
        err instanceof WeftApiError && err.status === 401 ? "This key is not valid (unknown, revoked or mistyped)." : err instanceof WeftApiError && err.status === 403 ? "This key lacks the read scope." : `Could not reach the API: ${(err as Error).message}`;
    } finally {
      button.disabled = false;
    }
  });
  queueMicrotask(() => input.focus());
  return { element: h("div", { class: "page narrow" }, form) };
}
