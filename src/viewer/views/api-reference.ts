import { h } from "../dom";
import { errorBox } from "./errors";
import type { View, ViewContext } from "./view";

/*
 * The API reference, rendered from GET /openapi.json: the document is generated from the routes
 * themselves, so this page cannot drift from the API.
 */

type Schema = Record<string, unknown>;
interface Operation {
  operationId: string;
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  "x-weft-scope"?: string;
  parameters?: { name: string; in: string; required?: boolean; description?: string; schema?: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { $ref?: string; description?: string; content?: Record<string, { schema: Schema }> }>;
}
interface Document {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; responses: Record<string, { description: string }> };
}

const refName = (ref: string) => ref.split("/").pop() ?? ref;

/** A one-line type for a schema: `string`, `Graph`, `array of RunEvent`, `"a" | "b"`. */
export function typeText(schema: Schema | undefined): string {
  if (!schema || Object.keys(schema).length === 0) return "any";
  if (typeof schema.$ref === "string") return refName(schema.$ref);
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const alts = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (alts) return alts.map(typeText).join(" | ");
  if (schema.type === "array") return `array of ${typeText(schema.items as Schema)}`;
  if (schema.type === "object" && schema.properties) return "object";
  if (typeof schema.type === "string") return schema.format ? `${schema.type} (${schema.format})` : schema.type;
  return "any";
}

function schemaBlock(schema: Schema | undefined, jump: (name: string) => void): HTMLElement {
  if (!schema) return h("span", { class: "muted" }, "—");
  if (typeof schema.$ref === "string") {
    const name = refName(schema.$ref);
    return h("button", { type: "button", class: "link schema-link", onclick: () => jump(name) }, name);
  }
  if (schema.type === "array" && (schema.items as Schema | undefined)?.$ref) return h("span", {}, "array of ", schemaBlock(schema.items as Schema, jump));
  return h("details", { class: "schema" }, h("summary", {}, typeText(schema)), h("pre", { class: "json" }, JSON.stringify(schema, null, 2)));
}

function operationBlock(method: string, path: string, op: Operation, jump: (name: string) => void): HTMLElement {
  const params = op.parameters ?? [];
  const block = h(
    "article",
    { class: "operation", id: `op-${op.operationId}`, "data-operation": `${method.toUpperCase()} ${path}` },
    h("header", {}, h("span", { class: `method method-${method}` }, method.toUpperCase()), h("code", { class: "path" }, path), h("span", { class: "scope", title: "Scope needed" }, op["x-weft-scope"] === "public" ? "public" : `scope: ${op["x-weft-scope"]}`)),
    op.summary ? h("p", {}, op.summary) : null,
    op.description ? h("p", { class: "muted" }, op.description) : null,
  );
  if (params.length) {
    block.append(
      h("h5", {}, "Parameters"),
      h(
        "table",
        { class: "params" },
        h("tbody", {}, params.map((p) => h("tr", {}, h("td", {}, h("code", {}, p.name), p.required ? h("span", { class: "req" }, "*") : null), h("td", { class: "muted" }, p.in), h("td", {}, typeText(p.schema)), h("td", { class: "muted" }, p.description ?? "")))),
      ),
    );
  }
  if (op.requestBody) block.append(h("h5", {}, "Request body"), schemaBlock(op.requestBody.content["application/json"]?.schema, jump));
  const responses = h("ul", { class: "responses" });
  for (const [status, r] of Object.entries(op.responses)) {
    const ok = Number(status) < 400;
    const content = r.content ? Object.values(r.content)[0]?.schema : undefined;
    responses.append(h("li", { class: ok ? "ok" : "problem" }, h("code", {}, status), " ", r.$ref ? h("span", { class: "muted" }, `problem (${refName(r.$ref)})`) : (r.description ?? ""), content ? [" — ", schemaBlock(content, jump)] : null));
  }
  block.append(h("h5", {}, "Responses"), responses);
  return block;
}

export function apiReferenceView(ctx: ViewContext): View {
  const page = h("div", { class: "page api-page" }, h("p", { class: "muted" }, "Loading the OpenAPI document…"));
  ctx.client
    .openapi()
    .then((raw) => {
      const doc = raw as unknown as Document;
      const schemas = new Map<string, HTMLElement>();
      const jump = (name: string) => {
        const el = schemas.get(name);
        if (!el) return;
        (el as HTMLDetailsElement).open = true;
        el.scrollIntoView({ behavior: "smooth", block: "start" });
      };
      const byTag = new Map<string, HTMLElement[]>();
      const nav = h("nav", { class: "api-nav" });
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          const tag = op.tags?.[0] ?? "other";
          if (!byTag.has(tag)) byTag.set(tag, []);
          byTag.get(tag)?.push(operationBlock(method, path, op, jump));
        }
      }
      const main = h("div", { class: "api-main" }, h("header", { class: "page-header" }, h("div", {}, h("h2", {}, `${doc.info.title} `, h("span", { class: "muted" }, doc.info.version)), doc.info.description ? h("p", { class: "muted" }, doc.info.description) : null), h("a", { href: "/openapi.json", class: "button" }, "openapi.json")));
      for (const [tag, blocks] of [...byTag].sort(([a], [b]) => a.localeCompare(b))) {
        const section = h("section", { class: "api-tag", id: `tag-${tag}` }, h("h3", {}, tag), blocks);
        main.append(section);
        nav.append(h("button", { type: "button", class: "link", onclick: () => section.scrollIntoView({ behavior: "smooth" }) }, `${tag} (${blocks.length})`));
      }
      const components = h("section", { class: "api-tag" }, h("h3", {}, "Schemas"));
      for (const [name, schema] of Object.entries(doc.components.schemas)) {
        const el = h("details", { class: "schema component", "data-schema": name }, h("summary", {}, h("code", {}, name), " ", h("span", { class: "muted" }, typeText(schema))), h("pre", { class: "json" }, JSON.stringify(schema, null, 2)));
        schemas.set(name, el);
        components.append(el);
      }
      main.append(components);
      nav.append(h("button", { type: "button", class: "link", onclick: () => components.scrollIntoView({ behavior: "smooth" }) }, "Schemas"));
      page.replaceChildren(h("div", { class: "api-layout" }, nav, main));
    })
    .catch((err) => page.replaceChildren(errorBox(err, "Could not load the OpenAPI document")));
  return { element: page };
}
