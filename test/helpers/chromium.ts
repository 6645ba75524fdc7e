import { type Browser, chromium } from 'playwright-core';
import { inject } from 'vitest';

/**
 * Debian's Chromium (installed by the global set-up), headless and quiet: no background
 * networking, so a test's page makes only the requests the test expects.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: inject('chromiumPath'),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
