import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Multi-instance stories that are slow by nature run with `npm run test:e2e` (vitest.e2e.config.ts).
    exclude: [...configDefaults.exclude, "test/e2e/**"],
    // These machines have two cores; integration tests start real servers.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ["test/support/global-setup.ts"],
  },
});
