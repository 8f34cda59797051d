import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** The system Chromium the end-to-end tests drive (Debian's `chromium` package). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** True when the system Chromium is installed; end-to-end tests skip without it (but fail in CI). */
export const hasChromium = fs.existsSync(CHROMIUM_PATH);

/** Launches the system Chromium headless, with everything that talks to the outside world turned off. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}
