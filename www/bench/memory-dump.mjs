// One Chromium memory-infra dump of one process (what chrome://tracing's
// memory dumps show, and the task manager's "Memory footprint"), taken through
// the DevTools protocol's Tracing domain on the browser's own session. Used by
// mem-probe.mjs (every allocator) and page-bench.mjs (the footprint).

/**
 * `cdp` is a browser-level connection: `send(method, params)` resolves to the
 * result, `on(listener)` adds an event listener and returns its removal.
 * Resolves to `{ ok, allocators, processTotals }`: each allocator's sizes in
 * bytes (size, effective, allocated, virtual, resident), and the process's
 * totals as Chromium writes them (hexadecimal strings of bytes).
 */
export async function memoryDump(cdp, pid) {
  const events = [];
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  const off = cdp.on((msg) => {
    if (msg.method === 'Tracing.dataCollected') events.push(...msg.params.value);
    if (msg.method === 'Tracing.tracingComplete') done();
  });
  try {
    await cdp.send('Tracing.start', {
      transferMode: 'ReportEvents',
      traceConfig: { includedCategories: ['disabled-by-default-memory-infra'], excludedCategories: ['*'], memoryDumpConfig: { triggers: [] } },
    });
    const r = await cdp.send('Tracing.requestMemoryDump', { deterministic: true, levelOfDetail: 'detailed' });
    await cdp.send('Tracing.end');
    await finished;
    // A process's dump can come in several events: one per dump provider set.
    const dumps = events.filter((e) => e.ph === 'v' && e.pid === pid);
    const allocators = {};
    for (const e of dumps) {
      for (const [name, d] of Object.entries(e.args?.dumps?.allocators ?? {})) {
        const attrs = d.attrs ?? {};
        const v = (k) => (attrs[k] ? parseInt(attrs[k].value, 16) : undefined);
        allocators[name] = { size: v('size'), effective: v('effective_size'), allocated: v('allocated_objects_size'), virtual: v('virtual_size'), resident: v('resident_size') };
      }
    }
    return { ok: r.success, allocators, processTotals: dumps.map((e) => e.args?.dumps?.process_totals).find(Boolean) };
  } finally {
    off();
  }
}

/** The process's private footprint (bytes): Chromium's own measure of what
 * it costs, as its task manager shows it; NaN if the dump has none. */
export function privateFootprint(dump) {
  const hex = dump.processTotals?.private_footprint_bytes;
  return hex ? parseInt(hex, 16) : NaN;
}
