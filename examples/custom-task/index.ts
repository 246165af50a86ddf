import { Sha256 } from "./sha256";
import { Slugify } from "./slugify";

/** This deployment's own task types: `createRegistry(customTasks)` in src/registry.ts. */
export const customTasks = [Slugify, Sha256];

export { Sha256, Slugify };
