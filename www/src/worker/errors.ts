// How the worker turns what went wrong into a message: a Rust panic (the
// module traps with a bare "unreachable"; console_error_panic_hook logged the
// panic's message just before) or an ordinary thrown error.

// Keep the last console.error: the panic hook writes the panic's message
// there just before the trap.
let lastConsoleError = '';
const consoleError = console.error.bind(console);
console.error = (...args: unknown[]) => {
  lastConsoleError = args.map(String).join(' ');
  consoleError(...args);
};

/** A trap (a Rust panic) leaves the module's state undefined. */
export function isTrap(error: unknown): boolean {
  return error instanceof WebAssembly.RuntimeError;
}

/** A panic as console_error_panic_hook logs it ("panicked at FILE:LINE:COL:\n
 * MESSAGE\n\nStack:\n\n…"), on one line: the message, then where. */
function panicMessage(logged: string): string {
  const head = logged.split('\n\nStack:')[0].trim();
  const oneLine = (text: string) => text.trim().replace(/\s*\n\s*/g, ' ');
  const parts = /^panicked at ([^\n]*?):?\n([\s\S]*)$/.exec(head);
  return parts ? `${oneLine(parts[2])} (at ${parts[1]})` : oneLine(head);
}

/** What went wrong, in a sentence for the page's error panel. */
export function describe(error: unknown): string {
  if (isTrap(error)) {
    const panic = panicMessage(lastConsoleError);
    lastConsoleError = '';
    // The trap itself says only "unreachable": the panic's message says why.
    return panic ? `the WebAssembly module crashed: ${panic}` : `the WebAssembly module crashed (${String((error as Error).message)})`;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/** `fetch` whose failures say which address and what to check. */
export async function fetchOk(url: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`could not fetch ${url}: ${describe(error)} (is the server still running?)`);
  }
  if (!response.ok) {
    throw new Error(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} for ${url}`);
  }
  return response;
}
