import { defineConfig } from "drizzle-kit";

// `npm run db:generate` writes the D1 migrations (plain SQL, applied by `wrangler d1 migrations apply`
// and by the tests through readD1Migrations) from the drizzle schema.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./migrations",
});
