// Measure the JavaScript a first visit to the board downloads (the entry chunk and every chunk it imports
// statically, gzipped) from Vite's manifest, write the numbers to dist/bundle-report.json, and fail the build when
// they exceed the budget. Lazy pages (leaderboard, profile, …) are not part of the board's first load.
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 200 * 1024;
const dist = new URL('../dist/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('.vite/manifest.json', dist), 'utf8'));

const entry = Object.values(manifest).find((chunk) => chunk.isEntry);
if (!entry) throw new Error('no entry chunk in dist/.vite/manifest.json');

const files = new Set();
const visit = (key) => {
  const chunk = manifest[key];
  if (!chunk || files.has(chunk.file)) return;
  files.add(chunk.file);
  (chunk.imports ?? []).forEach(visit);
};
visit(Object.keys(manifest).find((key) => manifest[key] === entry));

const chunks = [...files]
  .filter((file) => file.endsWith('.js'))
  .map((file) => {
    const bytes = readFileSync(new URL(file, dist));
    return { file, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
const total = chunks.reduce((sum, c) => sum + c.gzip, 0);
const report = { route: '/', budget_gzip_bytes: BUDGET_BYTES, initial_js_gzip_bytes: total, chunks };
writeFileSync(new URL('bundle-report.json', dist), JSON.stringify(report, null, 2) + '\n');

const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
console.warn(`board route initial JS: ${kb(total)} gzipped (budget ${kb(BUDGET_BYTES)}) in ${chunks.length} chunk(s)`);
if (total > BUDGET_BYTES) {
  console.error(`over budget by ${kb(total - BUDGET_BYTES)}: keep pages lazy and dependencies small`);
  process.exit(1);
}
