import { defineConfig } from 'vitest/config';

// The end-to-end run: one real stack (started by globalSetup) and one headless Chromium, files one after another.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['e2e/**/*.e2e.ts'],
    globalSetup: ['e2e/stack.ts'],
    fileParallelism: false,
    sequence: { concurrent: false },
    testTimeout: 240_000,
    // The stack answers in real time (ingestion, grading): give polled expectations as long as a locator gets.
    expect: { poll: { timeout: 20_000, interval: 200 } },
    hookTimeout: 180_000,
  },
});
