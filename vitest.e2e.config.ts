import { configDefaults, defineConfig } from "vitest/config";
import base from "./vitest.config.ts";

// `npm run test:e2e`: only the multi-instance stories under test/e2e/, with the settings of
// vitest.config.ts (which `npm test` uses and which leaves these out).
export default defineConfig({ ...base, test: { ...base.test, include: ["test/e2e/**/*.test.ts"], exclude: configDefaults.exclude } });
