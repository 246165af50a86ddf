import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

/** One run of one graph version. Built out in the durable-runs issue. */
export class RunObject extends DurableObject<Env> {}
