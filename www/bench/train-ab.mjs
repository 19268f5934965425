// Two or more builds of gradlab's module, timed in turns in one page (issue
// 18's before and after figures): each module file in www/pkg gets its own
// instance of the JavaScript glue (imported under its own URL) and its own
// training session (gradlab-session.mjs, train-bench.mjs's settings), and
// each round times `steps` steps of every build, one after the other, so
// that a change in the machine's load falls on all of them alike. Prints
// each build's microseconds a step (median and every round) and, per round,
// the speed of each build against the first: read the median of those
// ratios, not the figures across runs. The modules must come from one
// source's exports (the glue is www/pkg/gradlab.js); build each with
// wasm-pack into a scratch out-dir and copy its .wasm into www/pkg under a
// name of its own. Run after scripts/build-page.sh:
//   node www/bench/train-ab.mjs softmax|mlp rounds steps first.wasm other.wasm...
import { addSession, sessionPage } from './session-page.mjs';

const [network, roundsArg, stepsArg, ...builds] = process.argv.slice(2);
const rounds = Number(roundsArg);
const steps = Number(stepsArg);
if (!['softmax', 'mlp'].includes(network) || !(rounds >= 1) || !(steps >= 1) || builds.length < 2) {
  console.error('usage: node www/bench/train-ab.mjs softmax|mlp rounds steps first.wasm other.wasm...');
  process.exit(2);
}

const { page, close } = await sessionPage();
try {
  for (const [index, build] of builds.entries()) await addSession(page, network, build, index);
  const times = builds.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (let index = 0; index < builds.length; index++) {
      const microseconds = await page.evaluate(
        ([steps, index]) => {
          const start = performance.now();
          window.advances[index](steps);
          return (1000 * (performance.now() - start)) / steps;
        },
        [steps, index],
      );
      times[index].push(microseconds);
    }
  }
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = sorted.length >> 1;
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  };
  console.log(`${network}, ${rounds} rounds of ${steps} steps, µs a step: median (every round)`);
  for (const [index, build] of builds.entries()) {
    console.log(`  ${build}: ${median(times[index]).toFixed(1)} (${times[index].map((t) => t.toFixed(0)).join(' ')})`);
  }
  console.log(`speed against ${builds[0]}, median of the rounds' ratios:`);
  for (let index = 1; index < builds.length; index++) {
    const ratios = times[0].map((first, round) => first / times[index][round]);
    console.log(`  ${builds[index]}: ${median(ratios).toFixed(3)}`);
  }
} finally {
  await close();
}
