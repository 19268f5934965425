// The CPU profile both module profiles take (cnn-profile.mjs, train-profile.mjs):
// `run` is called in the page under the DevTools protocol's sampling
// profiler, and the functions with the most self time are printed. The
// modules keep their function names, so Rust's functions show as such;
// what the compiler inlined counts as the function it went into.

/** Profiles `run(arg)` (evaluated in `page`) and prints `label: said` and the top 15 functions.
 * `say(result)` turns run's result into the first line's words. */
export async function profileSelfTime(page, label, run, arg, say) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  const result = await page.evaluate(run, arg);
  const { profile } = await cdp.send('Profiler.stop');
  console.log(`${label}: ${say(result)}`);
  // Self time per function: each sample's time goes to the function it was taken in.
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const name = nodes.get(profile.samples[i]).callFrame.functionName || '(anonymous)';
    self.set(name, (self.get(name) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  for (const [name, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${t.toFixed(0).padStart(6)} ms  ${name.slice(0, 120)}`);
  }
  return result;
}
