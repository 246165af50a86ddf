import { FormatRegistry } from "@sinclair/typebox";

/**
 * TypeBox rejects every value of a `format` it has no checker for, so the formats task schemas use
 * are registered here, once, wherever the core is loaded (Worker, queue consumer, Node).
 */
const checkers: Record<string, (v: string) => boolean> = {
  uri: (v) => {
    try {
      new URL(v);
      return true;
    } catch {
      return false;
    }
  },
  "date-time": (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(v) && !Number.isNaN(Date.parse(v)),
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)),
  email: (v) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v),
  uuid: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
};

for (const [name, check] of Object.entries(checkers)) {
  if (!FormatRegistry.Has(name)) FormatRegistry.Set(name, check);
}
