// The page in a Chromium that only the DevTools protocol's Target, Runtime,
// Emulation and Input domains touch, for measuring its memory.
//
// Why not Playwright: Playwright enables the Network domain in every page and
// worker it drives, and Chromium's network agent then keeps a copy of each
// fetched response body for DevTools (up to 10 MB a body). In the page's
// renderer that is about 19 MB more of Blink's buffer partition once MNIST
// is in (the .gz files the worker fetched, the modules), which a learner's
// browser does not hold (BENCHMARKS.md, issue 21, eleventh round).
//
// Chromium is driven over --remote-debugging-pipe: requests on fd 3, replies
// and events on fd 4, each a JSON message ended by a NUL byte.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Launches Chromium with `args` on a blank tab; resolves to the browser. */
export async function launchBare(executablePath, args, { width = 1280, height = 900 } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'gradlab-bare-'));
  const child = spawn(executablePath, [...args, '--remote-debugging-pipe', `--user-data-dir=${profile}`, `--window-size=${width},${height}`, 'about:blank'], {
    stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'],
    // Its own process group, so that close() ends the renderers too.
    detached: true,
  });
  const pending = new Map();
  const listeners = new Set();
  let nextId = 1;
  let buffered = '';
  let exited = null;
  child.on('exit', (code, signal) => {
    exited = `Chromium exited (${signal ?? code})`;
    for (const { reject } of pending.values()) reject(new Error(exited));
    pending.clear();
  });
  child.stdio[4].setEncoding('utf8');
  child.stdio[4].on('data', (chunk) => {
    buffered += chunk;
    let end;
    while ((end = buffered.indexOf('\0')) >= 0) {
      const message = JSON.parse(buffered.slice(0, end));
      buffered = buffered.slice(end + 1);
      if (message.method) for (const listener of [...listeners]) listener(message);
      const waiting = message.id !== undefined && pending.get(message.id);
      if (!waiting) continue;
      pending.delete(message.id);
      if (message.error) waiting.reject(new Error(`${waiting.method}: ${message.error.message}`));
      else waiting.resolve(message.result);
    }
  });
  const send = (method, params = {}, sessionId) => {
    if (exited) return Promise.reject(new Error(exited));
    const id = nextId++;
    child.stdio[3].write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    return new Promise((resolve, reject) => pending.set(id, { method, resolve, reject }));
  };
  // The blank tab is up once the browser answers and has a page target.
  for (;;) {
    const { targetInfos } = await send('Target.getTargets');
    if (targetInfos.some((t) => t.type === 'page')) break;
    await sleep(100);
  }

  return {
    /** The browser's own session (memory-dump.mjs takes it). */
    cdp: {
      send,
      /** Adds an event listener; returns its removal. */
      on(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    /** A new blank tab, its main thread throttled `rate` times, once its
     * document is there; the tab the browser started with is closed. */
    // devtoolsNetwork: the Network domain enabled in the tab and its workers,
    // as Playwright does, to measure what that costs.
    async newTab(rate = 1, { devtoolsNetwork = false } = {}) {
      const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
      const { targetInfos } = await send('Target.getTargets');
      for (const t of targetInfos) if (t.type === 'page' && t.targetId !== targetId) await send('Target.closeTarget', { targetId: t.targetId });
      const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
      await send('Emulation.setCPUThrottlingRate', { rate }, sessionId);
      if (devtoolsNetwork) {
        listeners.add((message) => {
          if (message.method === 'Target.attachedToTarget') send('Network.enable', {}, message.params.sessionId).catch(() => {});
        });
        await send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: true }, sessionId);
        await send('Network.enable', {}, sessionId);
      }
      const tab = bareTab(send, sessionId);
      await tab.waitFor(() => document.readyState === 'complete', null, { what: 'the blank tab' });
      return tab;
    },
    async close() {
      if (!exited) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // Gone already.
        }
        await new Promise((resolve) => (exited ? resolve() : child.once('exit', resolve)));
      }
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

function bareTab(send, sessionId) {
  /** `fn(arg)` in the page; resolves to its (awaited) value. */
  const evaluate = async (fn, arg) => {
    const { result, exceptionDetails } = await send(
      'Runtime.evaluate',
      { expression: `(${fn})(${JSON.stringify(arg ?? null)})`, awaitPromise: true, returnByValue: true },
      sessionId,
    );
    if (exceptionDetails) throw new Error(`in the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    return result.value;
  };
  return {
    /** Loads `url` in this tab (resolves as the navigation starts). */
    navigate: (url) => send('Page.navigate', { url }, sessionId),
    evaluate,
    /** Resolves to the first value of `fn(arg)` that is not null, undefined or false. */
    async waitFor(fn, arg, { timeoutMs = 120000, what = String(fn) } = {}) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        // Before the first document, the page has no context yet.
        const value = await evaluate(fn, arg).catch(() => null);
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
      const mouse = (type, [x, y]) => send('Input.dispatchMouseEvent', { type, x, y, button: 'left', buttons: type === 'mouseReleased' ? 0 : 1, clickCount: 1 }, sessionId);
      await mouse('mouseMoved', points[0]);
      await mouse('mousePressed', points[0]);
      for (const point of points.slice(1)) await mouse('mouseMoved', point);
      await mouse('mouseReleased', points.at(-1));
    },
    /** The page's JS heap in use (bytes). */
    async jsHeapBytes() {
      return (await send('Runtime.getHeapUsage', {}, sessionId)).usedSize;
    },
  };
}
