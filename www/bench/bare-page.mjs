// The page in a Chromium that only the DevTools protocol's Target, Page,
// Runtime, Emulation, Input and Tracing domains touch, for measuring its
// memory.
//
// Why not Playwright: Playwright enables the Network domain in every page and
// worker it drives, and Chromium's network agent then keeps a copy of each
// fetched response body for DevTools. Once MNIST is in, that was about
// 20 MB of the page's renderer (its private footprint, with the domain on
// and off: BENCHMARKS.md, issue 21, eleventh round), which a learner's
// browser does not hold.
//
// Chromium is driven over --remote-debugging-pipe: requests on fd 3, replies
// and events on fd 4, each a JSON message ended by a NUL byte.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cdpClient } from './cdp-client.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Launches Chromium with `args` on a blank tab; resolves to the browser. */
export async function launchBare(executablePath, args, { width = 1280, height = 900, startMs = 30000 } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'gradlab-bare-'));
  const child = spawn(executablePath, [...args, '--remote-debugging-pipe', `--user-data-dir=${profile}`, `--window-size=${width},${height}`, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'],
    // A process group of its own: close() ends the renderers too, and
    // renderers() tells this browser's from any other's.
    detached: true,
  });
  const cdp = cdpClient((text) => child.stdio[3].write(`${text}\0`));
  child.on('error', (error) => cdp.close(`Chromium did not start: ${error.message}`));
  child.on('exit', (code, signal) => cdp.close(`Chromium exited (${signal ?? code})`));
  let buffered = '';
  child.stdio[4].setEncoding('utf8');
  child.stdio[4].on('data', (chunk) => {
    buffered += chunk;
    let end;
    while ((end = buffered.indexOf('\0')) >= 0) {
      cdp.receive(JSON.parse(buffered.slice(0, end)));
      buffered = buffered.slice(end + 1);
    }
  });
  const send = cdp.send;
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
      await gone;
    }
    rmSync(profile, { recursive: true, force: true });
  };
  try {
    // The blank tab is up once the browser answers and has a page target.
    const until = Date.now() + startMs;
    for (;;) {
      const { targetInfos } = await send('Target.getTargets');
      if (targetInfos.some((t) => t.type === 'page')) break;
      if (Date.now() > until) throw new Error(`Chromium had no tab after ${startMs / 1000} s`);
      await sleep(100);
    }
  } catch (error) {
    await close();
    throw error;
  }

  return {
    /** The browser's own session (memory-dump.mjs takes it). */
    cdp,
    /** The browser's process group (renderers.mjs takes it). */
    processGroup: child.pid,
    /**
     * A new blank tab, its main thread throttled `rate` times, once its
     * document is there; the tab the browser started with is closed.
     * `devtoolsNetwork`: the Network domain enabled in the tab and in the
     * dedicated workers it starts (each held until it is enabled), much as
     * Playwright has it, to measure what that costs.
     */
    async newTab(rate = 1, { devtoolsNetwork = false } = {}) {
      const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
      const { targetInfos } = await send('Target.getTargets');
      for (const t of targetInfos) if (t.type === 'page' && t.targetId !== targetId) await send('Target.closeTarget', { targetId: t.targetId });
      const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
      await send('Emulation.setCPUThrottlingRate', { rate }, sessionId);
      if (devtoolsNetwork) {
        cdp.on((message) => {
          if (message.method !== 'Target.attachedToTarget') return;
          const worker = message.params.sessionId;
          send('Network.enable', {}, worker)
            .finally(() => send('Runtime.runIfWaitingForDebugger', {}, worker))
            .catch(() => {});
        });
        await send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: true }, sessionId);
        await send('Network.enable', {}, sessionId);
      }
      const tab = bareTab(cdp, sessionId);
      await tab.waitFor(() => document.readyState === 'complete', null, { what: 'the blank tab' });
      return tab;
    },
    close,
  };
}

// Protocol errors while a document is being replaced: the page's context is
// not there yet, or went away mid-call.
const NO_CONTEXT = /context|target closed|Inspected target navigated/i;

function bareTab(cdp, sessionId) {
  const send = (method, params) => cdp.send(method, params, sessionId);
  /** `fn(arg)` in the page; resolves to its (awaited) value. */
  const evaluate = async (fn, arg) => {
    const { result, exceptionDetails } = await send('Runtime.evaluate', {
      expression: `(${fn})(${JSON.stringify(arg ?? null)})`,
      awaitPromise: true,
      returnByValue: true,
    });
    if (exceptionDetails) throw new Error(`in the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    return result.value;
  };
  return {
    /** Loads `url` in this tab (resolves as the navigation starts). */
    navigate: (url) => send('Page.navigate', { url }),
    evaluate,
    /** Resolves to the first value of `fn(arg)` that is not null, undefined or false. */
    async waitFor(fn, arg, { timeoutMs = 120000, what = String(fn) } = {}) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        // A browser gone or a script that throws ends the wait at once.
        const value = await evaluate(fn, arg).catch((error) => {
          if (cdp.closed || !NO_CONTEXT.test(error.message)) throw error;
          return null;
        });
        if (value !== null && value !== undefined && value !== false) return value;
        if (Date.now() > until) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
        await sleep(100);
      }
    },
    /** Clicks the element with this data-testid (as its own click() does). */
    click(testid) {
      return evaluate((id) => document.querySelector(`[data-testid="${id}"]`).click(), testid);
    },
    /** Drags the mouse along `points` ([x, y] in CSS pixels of the viewport). */
    async drag(points) {
      const mouse = (type, [x, y], buttons) => send('Input.dispatchMouseEvent', { type, x, y, button: 'left', buttons, clickCount: 1 });
      await mouse('mouseMoved', points[0], 0);
      await mouse('mousePressed', points[0], 1);
      for (const point of points.slice(1)) await mouse('mouseMoved', point, 1);
      await mouse('mouseReleased', points.at(-1), 0);
    },
    /**
     * Collects the garbage of every JavaScript heap the page has: its own,
     * its dedicated workers' and its service worker's (each attached to for
     * this, then left). For telling garbage not yet collected from memory
     * the page holds; run it last, as it attaches the DevTools protocol.
     */
    async collectGarbage() {
      const workers = [];
      const off = cdp.on((message) => {
        if (message.method === 'Target.attachedToTarget' && message.sessionId === sessionId) workers.push(message.params.sessionId);
      });
      try {
        // Attaching reports the workers already running, each with its event.
        await send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: true });
        const { targetInfos } = await cdp.send('Target.getTargets');
        for (const t of targetInfos.filter((t) => t.type === 'service_worker')) {
          workers.push((await cdp.send('Target.attachToTarget', { targetId: t.targetId, flatten: true })).sessionId);
        }
        for (const worker of workers) await cdp.send('HeapProfiler.collectGarbage', {}, worker);
        await send('HeapProfiler.collectGarbage', {});
        return workers.length;
      } finally {
        off();
      }
    },
    /** The page's JS heap (bytes): in use, and in all (free space and garbage included). */
    async jsHeap() {
      const { usedSize, totalSize } = await send('Runtime.getHeapUsage', {});
      return { used: usedSize, total: totalSize };
    },
  };
}
