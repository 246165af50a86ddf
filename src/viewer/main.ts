import { h } from "./dom";
import { parseRoute } from "./router";
import { clientFor, storeToken, storedToken } from "./session";
import { apiReferenceView } from "./views/api-reference";
import { graphView } from "./views/graph";
import { graphsView } from "./views/graphs";
import { runView } from "./views/run";
import { runsView } from "./views/runs";
import { signInView } from "./views/sign-in";
import type { View, ViewContext } from "./views/view";

/*
 * The Weft viewer: a single page served by the Worker next to the API. Pages are hash routes so
 * the static asset server needs no rewrites, and every page is plain DOM built from API data.
 */

const root = document.getElementById("app") as HTMLElement;
let current: View | undefined;
let token = storedToken();

function context(): ViewContext {
  return {
    client: clientFor(token),
    signedIn: token !== null,
    signIn(newToken) {
      token = newToken;
      storeToken(newToken);
      const next = sessionStorage.getItem("weft.afterSignIn") ?? "#/graphs";
      sessionStorage.removeItem("weft.afterSignIn");
      if (location.hash === next) render();
      else location.hash = next;
    },
  };
}

function nav(active: string): HTMLElement {
  const link = (href: string, label: string, name: string) => h("a", { href, class: active === name ? "active" : "" }, label);
  const account = token
    ? h(
        "button",
        {
          type: "button",
          class: "link",
          onclick: () => {
            token = null;
            storeToken(null);
            location.hash = "#/sign-in";
          },
        },
        "Sign out",
      )
    : link("#/sign-in", "Sign in", "sign-in");
  return h(
    "header",
    { class: "topbar" },
    h("a", { href: "#/graphs", class: "brand" }, h("span", { class: "logo", "aria-hidden": "true" }), "Weft"),
    h("nav", {}, link("#/graphs", "Graphs", "graphs"), link("#/runs", "Runs", "runs"), link("#/api", "API", "api")),
    h("div", { class: "account" }, account),
  );
}

function render(): void {
  current?.destroy?.();
  const route = parseRoute(location.hash);
  const ctx = context();
  const needsKey = route.name !== "api" && route.name !== "sign-in";
  if (needsKey && !token) {
    sessionStorage.setItem("weft.afterSignIn", location.hash || "#/graphs");
    current = signInView(ctx);
    root.replaceChildren(nav("sign-in"), current.element);
    return;
  }
  switch (route.name) {
    case "graphs":
      current = graphsView(ctx);
      break;
    case "graph":
      current = graphView(ctx, route.params[0]);
      break;
    case "runs":
      current = runsView(ctx);
      break;
    case "run":
      current = runView(ctx, route.params[0]);
      break;
    case "api":
      current = apiReferenceView(ctx);
      break;
    case "sign-in":
      current = signInView(ctx);
      break;
    default:
      current = { element: h("div", { class: "page" }, h("h2", {}, "Not found"), h("p", {}, h("a", { href: "#/graphs" }, "Back to the graphs"))) };
  }
  const active = route.name === "graph" ? "graphs" : route.name === "run" ? "runs" : route.name;
  root.replaceChildren(nav(active), current.element);
}

window.addEventListener("hashchange", render);
render();
