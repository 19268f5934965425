// What the benchmarks' workers and pages fetch, the same way for each: a
// file's bytes, the test photograph's pixels, decoded by the browser (the
// SqueezeNet benchmark's cnn-worker.mjs and ort-worker.mjs), and MNIST's
// files as the page fetches and unpacks them (the training benchmark's
// gradlab-worker.mjs and tfjs-worker.mjs, train-profile.mjs).

/** MNIST's four files, in the order `new Data(...)` takes them. */
export const MNIST_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

/** One of MNIST's files from the served www folder's public/data, unpacked
 * with DecompressionStream, the same way for every system the benchmarks
 * compare (they time training, not the load; the page itself streams the
 * gzipped files into its module, worker/digits.ts). */
export async function mnistFile(name) {
  const response = await fetch(`/public/data/${name}.gz`);
  if (!response.ok) throw new Error(`HTTP ${response.status} for /public/data/${name}.gz`);
  const stream = response.body.pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** `url`'s bytes; an HTTP error names the address. */
export async function bytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** The image at `url` as RGBA pixels: `{ width, height, rgba }`. */
export async function photoRgba(url) {
  const bitmap = await createImageBitmap(new Blob([await bytes(url)]));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d');
  context.drawImage(bitmap, 0, 0);
  const { data } = context.getImageData(0, 0, bitmap.width, bitmap.height);
  return { width: bitmap.width, height: bitmap.height, rgba: new Uint8Array(data.buffer) };
}
