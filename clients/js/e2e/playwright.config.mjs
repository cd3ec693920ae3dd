// @playwright/test on Debian's Chromium (no browser download), four workers
// sharing one radist-fake, each in a project of its own (see fixtures.mjs).
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: ".",
  testMatch: /.*\.spec\.mjs/,
  workers: 4,
  fullyParallel: true,
  reporter: [["list"]],
  timeout: 30_000,
  globalSetup: "./global-setup.mjs",
  use: {
    launchOptions: { executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] },
  },
});
