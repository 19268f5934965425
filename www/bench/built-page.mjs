// A build of the page (www/dist, or a folder given with --dist) served and
// opened in headless Chromium, as the tests open it, with a browser profile
// of its own that is removed afterwards (so that no offline copy or HTTP
// cache carries over from another run): how the probes and the soak run
// start.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS } from '../tests/lesson-harness.mjs';
import { serve } from '../tests/static-server.mjs';

/** Serves `dist` and opens a browser on it: { context, url, close }. */
export async function openBuiltPage(dist, name) {
  const server = await serve(dist);
  const profile = mkdtempSync(join(tmpdir(), `gradlab-${name}-`));
  const removeAll = async () => {
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  };
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
    });
  } catch (error) {
    await removeAll();
    throw error;
  }
  const close = async () => {
    await context.close();
    await removeAll();
  };
  return { context, url: server.url, close };
}
