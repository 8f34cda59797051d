import fs from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { TestUser } from './factories.js';

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

/** A browser context and its tab, with everything it reported that a clean page never reports. */
export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  consoleErrors: string[];
  dialogs: string[];
  /** Console errors a test provokes on purpose (the browser logs every 4xx and 5xx response). */
  expectedConsoleErrors?: RegExp;
}

/** How {@link BrowserSessions.open} sets up a tab. */
export interface OpenOptions {
  /** Signed in as this user, through their session cookie. */
  as?: TestUser;
  /** Viewport width (1280 by default). */
  width?: number;
  /** Viewport height (800 by default, 740 when a width is given: a phone). */
  height?: number;
  dark?: boolean;
  /** A phone: touch events and mobile viewport rules (`hasTouch`, `isMobile`). */
  touch?: boolean;
  /** The browser's time zone, such as `Asia/Tokyo` (the machine's by default). */
  timezoneId?: string;
  /** The browser's locale, such as `en-GB` (the machine's by default). */
  locale?: string;
  expectedConsoleErrors?: RegExp;
  /** Runs before the page loads, e.g. to fake API answers with `page.route` or to add an init script. */
  setup?: (page: Page) => Promise<unknown>;
}

/**
 * The tabs an end-to-end test opens against one server; `closeAll` closes them and returns them so
 * that the test can check that none logged an error or opened a dialog.
 */
export class BrowserSessions {
  private sessions: BrowserSession[] = [];

  constructor(
    private readonly browser: Browser,
    private readonly baseUrl: string,
  ) {}

  /** Opens `path` in a new browser context. */
  async open(path: string, options: OpenOptions = {}): Promise<BrowserSession> {
    const context = await this.browser.newContext({
      viewport: { width: options.width ?? 1280, height: options.height ?? (options.width ? 740 : 800) },
      colorScheme: options.dark ? 'dark' : 'light',
      hasTouch: options.touch,
      isMobile: options.touch,
      reducedMotion: 'reduce',
      timezoneId: options.timezoneId,
      locale: options.locale,
      permissions: ['clipboard-read', 'clipboard-write'],
    });
    if (options.as) {
      await context.addCookies([
        { name: 'pb_session', value: options.as.cookie.replace(/^pb_session=/, ''), url: this.baseUrl },
      ]);
    }
    // Well under the test timeout, so that a missing element fails with a locator message.
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    const session: BrowserSession = {
      context,
      page,
      consoleErrors: [],
      dialogs: [],
      expectedConsoleErrors: options.expectedConsoleErrors,
    };
    page.on('console', (message) => {
      if (message.type() === 'error') session.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => session.consoleErrors.push(`pageerror: ${error.message}`));
    page.on('dialog', (dialog) => {
      session.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    this.sessions.push(session);
    await options.setup?.(page);
    await page.goto(`${this.baseUrl}${path}`);
    return session;
  }

  /** Closes every tab opened since the last call; returns their reports. */
  async closeAll(): Promise<BrowserSession[]> {
    const opened = this.sessions;
    this.sessions = [];
    await Promise.all(opened.map((s) => s.context.close()));
    return opened;
  }
}

/** The console errors of a closed session that it did not expect. */
export function unexpectedErrors(session: BrowserSession): string[] {
  return session.consoleErrors.filter((e) => !session.expectedConsoleErrors?.test(e));
}
