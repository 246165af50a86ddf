import type { Dataflow } from "./schema";

/** SPEC §1: `"<sourceTaskId>[<sourceTaskPortId>] ==> <targetTaskId>[<targetTaskPortId>]"`. */
export function dataflowId(df: Dataflow): string {
  return `${df.sourceTaskId}[${df.sourceTaskPortId}] ==> ${df.targetTaskId}[${df.targetTaskPortId}]`;
}

/** Special ports (SPEC §1). */
export const WHOLE_PORT = "*";
export const ERROR_PORT = "[error]";
