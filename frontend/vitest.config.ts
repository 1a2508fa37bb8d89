import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [react()],
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
    // Node's fetch needs absolute URLs; the tests' fake API answers at this origin.
    env: { VITE_API_BASE_URL: 'http://api.test' },
  },
});
