// What the SqueezeNet benchmark's two workers (cnn-worker.mjs for gradlab,
// ort-worker.mjs for onnxruntime-web) share: a file's bytes, and the test
// photograph's pixels, decoded by the browser the same way for both.

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
