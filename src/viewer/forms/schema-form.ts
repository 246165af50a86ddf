import { h } from "../dom";
import type { InputField, JsonSchema, RunInputSchema } from "./input-schema";

/*
 * A form for a run input: one control per field, chosen from the field's JSON Schema —
 * string (a select when it is an enum), number/integer, boolean, and JSON text for objects,
 * arrays and untyped ports. Empty optional fields are left out so the task defaults apply.
 * "Edit as JSON" switches to one textarea for the whole input.
 */

export type FieldKind = "string" | "enum" | "number" | "integer" | "boolean" | "json" | "any";

export function fieldKind(schema: JsonSchema): FieldKind {
  const literals = enumValues(schema);
  if (literals) return "enum";
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  switch (type) {
    case "string":
      return "string";
    case "number":
      return "number";
    case "integer":
      return "integer";
    case "boolean":
      return "boolean";
    case "object":
    case "array":
      return "json";
    default:
      return "any";
  }
}

/** The allowed values of an enum-like schema (`enum`, or `anyOf`/`oneOf` of `const`s). */
export function enumValues(schema: JsonSchema): unknown[] | undefined {
  if (Array.isArray(schema.enum)) return schema.enum;
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives && alternatives.length > 0 && alternatives.every((a) => a.const !== undefined)) return alternatives.map((a) => a.const);
  return undefined;
}

/**
 * The value a control's text stands for. Returns `undefined` for an empty optional field and
 * throws with a message fit for the user when the text is not a value of that kind.
 */
export function parseFieldText(kind: FieldKind, text: string, required: boolean): unknown {
  if (text.trim() === "" && kind !== "string") {
    if (required) throw new Error("is required");
    return undefined;
  }
  switch (kind) {
    case "string":
      if (text === "" && !required) return undefined;
      return text;
    case "enum":
      return JSON.parse(text) as unknown;
    case "number":
    case "integer": {
      const n = Number(text);
      if (!Number.isFinite(n)) throw new Error("must be a number");
      if (kind === "integer" && !Number.isInteger(n)) throw new Error("must be a whole number");
      return n;
    }
    case "boolean":
      if (text === "true") return true;
      if (text === "false") return false;
      throw new Error("must be true or false");
    case "json":
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new Error("must be valid JSON");
      }
    case "any":
      // Untyped port: JSON when it parses ({"a":1}, 42, true, "quoted"), the plain text otherwise.
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
  }
}

interface Control {
  field: InputField;
  kind: FieldKind;
  read(): string;
  error: HTMLElement;
}

export interface SchemaForm {
  element: HTMLElement;
  /** The input object, or the problems (field → message) that keep it from being one. */
  value(): { ok: true; input: Record<string, unknown> } | { ok: false; errors: Record<string, string> };
}

function describe(field: InputField, kind: FieldKind): string {
  const type = kind === "any" ? "any JSON or text" : kind === "json" ? String(field.schema.type) + " (JSON)" : kind;
  return type;
}

function controlFor(field: InputField, kind: FieldKind, id: string): { el: HTMLElement; read(): string } {
  const placeholder = field.default !== undefined ? `default: ${JSON.stringify(field.default)}` : "";
  switch (kind) {
    case "enum": {
      const select = h("select", { id, name: field.name });
      if (!field.required) select.append(h("option", { value: "" }, field.default !== undefined ? `(default: ${JSON.stringify(field.default)})` : "(not set)"));
      for (const v of enumValues(field.schema) ?? []) select.append(h("option", { value: JSON.stringify(v) }, String(v)));
      return { el: select, read: () => select.value };
    }
    case "boolean": {
      const select = h("select", { id, name: field.name });
      if (!field.required) select.append(h("option", { value: "" }, field.default !== undefined ? `(default: ${JSON.stringify(field.default)})` : "(not set)"));
      select.append(h("option", { value: "true" }, "true"), h("option", { value: "false" }, "false"));
      return { el: select, read: () => select.value };
    }
    case "number":
    case "integer": {
      const input = h("input", { id, name: field.name, type: "number", step: kind === "integer" ? "1" : "any", placeholder });
      return { el: input, read: () => input.value };
    }
    case "json": {
      const area = h("textarea", { id, name: field.name, rows: 3, spellcheck: "false", placeholder: placeholder || (field.schema.type === "array" ? "[ ]" : "{ }") });
      return { el: area, read: () => area.value };
    }
    default: {
      const input = h("input", { id, name: field.name, type: "text", placeholder, autocomplete: "off", spellcheck: "false" });
      return { el: input, read: () => input.value };
    }
  }
}

export function createSchemaForm(schema: RunInputSchema, idPrefix = "input"): SchemaForm {
  const controls: Control[] = [];
  const fieldsBox = h("div", { class: "fields" });
  const required = schema.fields.filter((f) => f.required);
  const optional = schema.fields.filter((f) => !f.required);

  const addField = (parent: HTMLElement, field: InputField) => {
    const kind = fieldKind(field.schema);
    const id = `${idPrefix}-${field.name}`;
    const { el, read } = controlFor(field, kind, id);
    const error = h("div", { class: "field-error", role: "alert" });
    const users = field.usedBy.length > 5 ? `${field.usedBy.slice(0, 5).join(", ")} and ${field.usedBy.length - 5} more` : field.usedBy.join(", ");
    const help = [field.schema.description, `used by ${users}`].filter(Boolean).join(" · ");
    parent.append(
      h(
        "div",
        { class: "field", "data-field": field.name },
        h("label", { for: id }, h("span", { class: "field-name" }, field.name), field.required ? h("span", { class: "req", title: "required" }, "*") : null, h("span", { class: "field-type" }, describe(field, kind))),
        el,
        h("div", { class: "field-help" }, help),
        error,
      ),
    );
    controls.push({ field, kind, read, error });
  };

  for (const f of required) addField(fieldsBox, f);
  if (optional.length > 0) {
    const more = h("details", { class: "optional-fields", open: required.length === 0 }, h("summary", {}, `Optional (${optional.length}) — empty fields keep the task defaults`));
    for (const f of optional) addField(more, f);
    fieldsBox.append(more);
  }
  if (schema.fields.length === 0) fieldsBox.append(h("p", { class: "muted" }, "This graph reads no run input."));

  const extra = h("textarea", { id: `${idPrefix}-extra`, rows: 2, spellcheck: "false", placeholder: '{ "key": "value" }' });
  const extraError = h("div", { class: "field-error", role: "alert" });
  if (schema.open) {
    fieldsBox.append(h("div", { class: "field" }, h("label", { for: `${idPrefix}-extra` }, h("span", { class: "field-name" }, "more keys"), h("span", { class: "field-type" }, "JSON object")), extra, h("div", { class: "field-help" }, "Some task accepts any key: add them here."), extraError));
  }

  const rawArea = h("textarea", { class: "raw-input", rows: 8, spellcheck: "false", "aria-label": "Run input as JSON" });
  const rawError = h("div", { class: "field-error", role: "alert" });
  const rawBox = h("div", { class: "raw", hidden: true }, rawArea, rawError);
  let raw = false;

  const readFields = (): ReturnType<SchemaForm["value"]> => {
    const errors: Record<string, string> = {};
    const input: Record<string, unknown> = {};
    if (schema.open && extra.value.trim() !== "") {
      try {
        const more = JSON.parse(extra.value) as unknown;
        if (!more || typeof more !== "object" || Array.isArray(more)) throw new Error();
        Object.assign(input, more);
        extraError.textContent = "";
      } catch {
        errors["(more keys)"] = extraError.textContent = "must be a JSON object";
      }
    }
    for (const c of controls) {
      try {
        const v = parseFieldText(c.kind, c.read(), c.field.required);
        if (v !== undefined) input[c.field.name] = v;
        c.error.textContent = "";
      } catch (err) {
        errors[c.field.name] = c.error.textContent = (err as Error).message;
      }
    }
    return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, input };
  };

  const toggle = h("button", { type: "button", class: "link" }, "Edit as JSON");
  toggle.addEventListener("click", () => {
    if (!raw) {
      const current = readFields();
      rawArea.value = JSON.stringify(current.ok ? current.input : {}, null, 2);
    }
    raw = !raw;
    rawBox.hidden = !raw;
    fieldsBox.hidden = raw;
    toggle.textContent = raw ? "Edit as form" : "Edit as JSON";
  });

  const element = h("div", { class: "schema-form" }, fieldsBox, rawBox, h("div", { class: "form-tools" }, toggle));
  return {
    element,
    value() {
      if (!raw) return readFields();
      try {
        const v = JSON.parse(rawArea.value || "{}") as unknown;
        if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error();
        rawError.textContent = "";
        return { ok: true, input: v as Record<string, unknown> };
      } catch {
        rawError.textContent = "must be a JSON object";
        return { ok: false, errors: { input: "must be a JSON object" } };
      }
    },
  };
}
