// The machine's Chromium driven by playwright-core (which downloads no browser of its own), and a
// screenshot of every page the tests visit, kept as a test artifact.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stateFolder } from "@hooklog/infra/paths";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

/** What `npm test` installs (infra's ensureChromium) and passes as CHROMIUM_PATH. */
function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
  if (!existsSync(path)) throw new Error("Chromium is missing: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH");
  return path;
}

/**
 * Flags for a machine without a network beyond the loopback: without the background-networking
 * ones, Chromium's own calls home are refused many at a time and its start slows down.
 */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface BrowserSession {
  page: Page;
  context: BrowserContext;
  /** Saves the current page as <nn>-<name>.png in the artifacts folder; resolves with its path. */
  screenshot(name: string, page?: Page): Promise<string>;
  artifacts: string;
  close(): Promise<void>;
}

/** HOOKLOG_TEST_ARTIFACTS, or .hooklog/test-artifacts/browser (emptied first, so it holds this run's pages only). */
function artifactsFolder(): string {
  const chosen = process.env.HOOKLOG_TEST_ARTIFACTS;
  if (chosen) {
    mkdirSync(chosen, { recursive: true });
    return chosen;
  }
  const folder = stateFolder("test-artifacts", "browser");
  rmSync(folder, { recursive: true, force: true });
  return stateFolder("test-artifacts", "browser");
}

export async function openBrowser(): Promise<BrowserSession> {
  const executablePath = chromiumPath();
  const profile = mkdtempSync(join(tmpdir(), "hooklog-chromium-"));
  // A persistent context is the one way to give Chromium a user-data-dir of our own: fresh, and removed after.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    args: FLAGS,
    headless: true,
    viewport: { width: 1280, height: 900 },
  });
  const browser: Browser | null = context.browser();
  const page = context.pages()[0] ?? (await context.newPage());
  const artifacts = artifactsFolder();
  let taken = 0;
  return {
    page,
    context,
    artifacts,
    async screenshot(name, target = page) {
      taken += 1;
      const path = join(artifacts, `${String(taken).padStart(2, "0")}-${name}.png`);
      // From the top: a full-page shot of a scrolled page paints the sticky header mid-page.
      await target.evaluate("window.scrollTo(0, 0)");
      await target.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close();
      await browser?.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
