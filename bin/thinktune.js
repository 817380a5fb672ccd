#!/usr/bin/env node
// Entry point of the `thinktune` command: runs the compiled CLI (dist/ is built by `npm install`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error('thinktune: the compiled CLI is missing (dist/); run `npm install` (or `npm run build`) in the thinktune folder');
  process.exit(1);
}
await import(main.href);
