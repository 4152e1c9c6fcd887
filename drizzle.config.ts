import { defineConfig } from "drizzle-kit";

// drizzle-kit only generates SQL here; scripts/embed-migrations.ts compiles it into the binary.
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/store/schema.ts",
  out: "./drizzle",
});
