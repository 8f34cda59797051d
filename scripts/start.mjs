#!/usr/bin/env node
// `npm start` (and the CLI commands): runs a compiled entry point of build/, compiling the server
// first when the build is missing or older than its sources. The entry defaults to the server;
// `node scripts/start.mjs server/src/cli/import.js FILE` runs a command with its own arguments.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILD_DIR, ensureServerBuild } from './server-build.mjs';

const entry = process.argv[2]?.endsWith('.js') ? process.argv.splice(2, 1)[0] : 'server/src/main.js';
try {
  ensureServerBuild();
} catch (error) {
  console.error(`paperboard: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
await import(pathToFileURL(path.join(BUILD_DIR, entry)).href);
