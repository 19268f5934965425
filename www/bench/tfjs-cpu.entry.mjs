// What train-bench.mjs bundles (with Vite, into .build/tfjs-cpu.js) for
// system (c): TensorFlow.js core with its gradients and chained ops (which
// the published core bundles leave out and the @tensorflow/tfjs package
// registers the same way) and the
// cpu backend, all from the npm packages in www/node_modules.
export * from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
export { version_cpu } from '@tensorflow/tfjs-backend-cpu';
