import { Value } from "@sinclair/typebox/value";
import { DEFAULT_LIMITS, type Limits } from "../limits";
import type { TaskRegistry } from "../task/registry";
import { type Graph, GraphSchema } from "./schema";

/** One validation problem; `path` is a JSON Pointer into the graph JSON (SPEC §8). */
export interface ValidationError {
  path: string;
  message: string;
}

export type ValidationResult = { valid: true; graph: Graph; errors: [] } | { valid: false; errors: ValidationError[] };

/**
 * PLACEHOLDER (structural check only) — being replaced by the full validator.
 * Validates graph JSON against the registry, returning every problem with its path.
 */
export function validateGraph(input: unknown, registry: TaskRegistry, limits: Limits = DEFAULT_LIMITS): ValidationResult {
  void registry;
  void limits;
  const errors = [...Value.Errors(GraphSchema, input)].map((e) => ({ path: e.path, message: e.message }));
  if (errors.length) return { valid: false, errors };
  return { valid: true, graph: input as Graph, errors: [] };
}
