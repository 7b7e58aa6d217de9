// Vite builds the web UI into ui/dist, which tauri.conf.json serves; vitest shares this config.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [react()],
  // Tauri expects a fixed port; fail rather than pick another one silently.
  server: { port: 5173, strictPort: true },
  clearScreen: false,
  build: { outDir: "dist", target: "es2022" },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test-setup.ts"],
    // browser-tests/ runs in real Chromium through `npm run test:browser`, not here.
    include: ["src/**/*.test.{ts,tsx}"],
    // Local times differ from UTC in the tests (UTC+05:30, no daylight saving), whatever the
    // machine's zone.
    env: { TZ: "Asia/Kolkata" },
    // A busy CI machine (Rust builds, Postgres and Chromium on 2 cores) can slow a test's first
    // render several-fold; the limit only decides when a stuck test is given up on.
    testTimeout: 30_000,
  },
});
