import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { ensureClientBuild } from '#server/client-build.js';
import type { Config } from '#server/config.js';
import { buildTestApp, type TestApp } from './app.js';
import { BrowserSessions, hasChromium, launchBrowser, unexpectedErrors } from './browser.js';

/** Where end-to-end tests save their screenshots (a CI artefact; git ignores it). */
export const RESULTS_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url));

const inCi = Boolean(process.env.CI);

/**
 * `describe` for an end-to-end suite: skipped, with a warning, where Chromium is not installed, except in
 * CI, where the suite runs and fails at once (CI must not skip them).
 */
export function describeInBrowser(name: string, suite: () => void): void {
  if (!hasChromium && !inCi) {
    console.warn(`[e2e] /usr/bin/chromium is not installed: skipping "${name}" (apt-get install chromium)`);
  }
  describe.skipIf(!hasChromium && !inCi)(name, suite);
}

/** What {@link useBrowserServer} starts; filled in before the suite's own `beforeAll` hooks run. */
export interface BrowserServer {
  t: TestApp;
  baseUrl: string;
  browser: Browser;
  tabs: BrowserSessions;
}

/**
 * Registers the hooks of an end-to-end suite: builds the client if needed, starts the app on port 0
 * (after `prepare`, e.g. seeding), launches Chromium; after each test closes its tabs and fails on any
 * console error or dialog; after the suite stops everything.
 */
export function useBrowserServer(
  options: { config?: Partial<Config>; prepare?: (t: TestApp) => Promise<void> } = {},
): BrowserServer {
  const server = {} as BrowserServer;
  beforeAll(async () => {
    if (!hasChromium) {
      throw new Error(
        'CI is set but /usr/bin/chromium is missing: the end-to-end tests need it (apt-get install chromium)',
      );
    }
    // Before the app is built: the client plugin serves client/dist only if it exists at that moment.
    await ensureClientBuild(() => {});
    server.t = await buildTestApp(options.config);
    await options.prepare?.(server.t);
    await server.t.app.listen({ port: 0, host: '127.0.0.1' });
    server.baseUrl = `http://127.0.0.1:${(server.t.app.server.address() as AddressInfo).port}`;
    server.browser = await launchBrowser();
    server.tabs = new BrowserSessions(server.browser, server.baseUrl);
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
  });

  afterAll(async () => {
    await server.browser?.close();
    await server.t?.close();
  });

  // Every test: no console errors, no uncaught exceptions, no alert/confirm/prompt.
  afterEach(async () => {
    for (const session of (await server.tabs?.closeAll()) ?? []) {
      expect(unexpectedErrors(session)).toEqual([]);
      expect(session.dialogs).toEqual([]);
    }
  });
  return server;
}
