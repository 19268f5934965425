// gradlab's training session as the benchmarks time it (gradlab-worker.mjs
// for train-bench.mjs, train-profile.mjs): the page's settings, momentum
// 0.9, learning rate 0.05, batch 100; epochs only bound the schedule, and
// there is one curve point in all (at the end of the 1000 epochs, never
// reached), so that no evaluation is timed.

/** The two networks of the benchmark: [name, model settings]. */
export const NETWORKS = [
  ['mlp', { kind: 'mlp', hidden_units: 300, activation: 'tanh' }],
  ['softmax', { kind: 'softmax', hidden_units: 300, activation: 'tanh' }],
];

const TRAIN = {
  optimizer: { kind: 'momentum', beta: 0.9 },
  learning_rate: 0.05,
  batch_size: 100,
  epochs: 1000,
  seed: 0,
  evaluations_per_epoch: 1,
  max_curve_points: 1,
  train_evaluation_size: 1000,
  test_evaluation_size: 1000,
};

/** A session of `model` on `data` in the module `wasm`, and `advance(n)`,
 * which takes exactly n steps (its deadline never comes). */
export function trainingSession(wasm, data, model) {
  const session = new wasm.Session(data, { model, train: TRAIN });
  return { session, advance: (n) => session.advance(n, Infinity, () => 0) };
}
