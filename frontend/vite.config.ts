import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The API base URL is a build-time setting (VITE_API_BASE_URL, empty for the same origin). `npm run dev` proxies the
// API to a running `make dev` (PICKVS_API_URL, default http://127.0.0.1:8000) so the app and the API share an origin.
const api = process.env.PICKVS_API_URL ?? 'http://127.0.0.1:8000';

export default defineConfig({
  plugins: [react()],
  build: { manifest: true, sourcemap: true, target: 'es2022' },
  server: {
    proxy: { '/api': api, '/auth': api },
  },
});
