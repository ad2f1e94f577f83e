// A jest reporter: when the browser suites were skipped for want of Chromium (outside CI, see
// describeBrowser in test/support/browser.ts), says so in one line after jest's summary.
import { existsSync } from 'node:fs';
import path from 'node:path';

// As in test/support/browser.ts.
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const inCI = !['', '0', 'false'].includes(process.env.CI ?? '');
const BROWSER_SUITES = `${path.sep}test${path.sep}browser${path.sep}`;

export default class BrowserSkipReporter {
  onRunComplete(_contexts, results) {
    if (inCI || existsSync(CHROMIUM_PATH)) return;
    const skipped = results.testResults.filter((suite) => suite.testFilePath.includes(BROWSER_SUITES)).length;
    if (skipped === 0) return;
    process.stderr.write(
      `\n*** ${skipped} browser test suite(s) SKIPPED: no Chromium at ${CHROMIUM_PATH}. ` +
        'Install it with "apt-get install -y chromium", or set CHROMIUM_PATH to a Chromium or Chrome binary. ***\n\n',
    );
  }
}
