import { defineConfig } from "drizzle-kit";

// The PostgreSQL twin of drizzle.config.ts: SQL only, compiled into the binary by scripts/embed-migrations.ts.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/store/pg/schema.ts",
  out: "./drizzle-pg",
});
