// A DevTools protocol client over any transport, for the bench scripts that
// talk to Chromium without Playwright: bare-page.mjs (a pipe) and
// mem-probe.mjs (a WebSocket).

/**
 * `write(text)` sends one message; the transport gives each message it
 * receives to `receive(message)` (parsed) and calls `close(reason)` when it
 * ends. `send(method, params, sessionId)` resolves to the result (a flat
 * session's when `sessionId` is given); `on(listener)` adds an event
 * listener and returns its removal.
 */
export function cdpClient(write) {
  const pending = new Map();
  const listeners = new Set();
  let nextId = 1;
  let closed = null;
  return {
    send(method, params = {}, sessionId) {
      if (closed) return Promise.reject(new Error(`${method}: ${closed}`));
      const id = nextId++;
      write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
      return new Promise((resolve, reject) => pending.set(id, { method, resolve, reject }));
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    receive(message) {
      if (message.method) for (const listener of [...listeners]) listener(message);
      const waiting = message.id !== undefined && pending.get(message.id);
      if (!waiting) return;
      pending.delete(message.id);
      if (message.error) waiting.reject(new Error(`${waiting.method}: ${message.error.message}`));
      else waiting.resolve(message.result);
    },
    close(reason) {
      closed = reason;
      for (const { method, reject } of pending.values()) reject(new Error(`${method}: ${reason}`));
      pending.clear();
    },
    /** Why the connection ended, or null while it is open. */
    get closed() {
      return closed;
    },
  };
}
