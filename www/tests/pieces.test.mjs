// The workers' body reader (src/worker/pieces.ts), run here in Node, whose
// fetch bodies are byte streams as the browser's are: a body read through
// one buffer hands back every byte in order, each piece in that buffer's
// memory; a stream that is not a byte stream is read piece by piece;
// cancelling stops the body; and a whole body comes back in one array
// whether the Content-Length was right, short, long or missing. The page's
// MNIST loading (page.test.mjs, hosting.test.mjs) and part 10's weights
// (own-faces.test.mjs) read real files through it in Chromium.
//
// Run: npm test (node --test). Needs no build: the module is compiled here
// with the Oxc transform that Vite builds the page with.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { transformWithOxc } from 'vite';

const source = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'worker', 'pieces.ts');
let folder;
let pieces;

before(async () => {
  const { code } = await transformWithOxc(readFileSync(source, 'utf8'), source);
  folder = mkdtempSync(join(tmpdir(), 'gradlab-pieces-'));
  const compiled = join(folder, 'pieces.mjs');
  writeFileSync(compiled, code);
  pieces = await import(pathToFileURL(compiled).href);
});

after(() => rmSync(folder, { recursive: true, force: true }));

/** `n` bytes that differ from piece to piece: 0, 1, ..., 250, 0, ... */
const counting = (n) => Uint8Array.from({ length: n }, (_, i) => i % 251);

async function readAll(reader) {
  const got = [];
  for (let piece = await reader.read(); piece !== null; piece = await reader.read()) {
    got.push({ bytes: Uint8Array.from(piece), buffer: piece.buffer.byteLength });
  }
  return got;
}

test('a byte stream is read through one buffer, every byte in order', async () => {
  // Three and a half buffers' worth: the last piece is short.
  const body = counting(3.5 * pieces.PIECE_BYTES);
  const got = await readAll(pieces.pieceReader(new Response(body).body));
  assert.deepEqual(Buffer.concat(got.map((g) => g.bytes)), Buffer.from(body));
  // Each piece lies in a buffer of PIECE_BYTES (the one buffer, handed back
  // read after read), never in one sized for the piece.
  assert.ok(got.length >= 4, `${got.length} pieces for 3.5 buffers`);
  for (const g of got) assert.equal(g.buffer, pieces.PIECE_BYTES);
});

test('a stream that is not a byte stream is read piece by piece', async () => {
  const chunks = [counting(10), counting(300), counting(1)];
  const stream = new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  const got = await readAll(pieces.pieceReader(stream));
  assert.deepEqual(
    got.map((g) => Array.from(g.bytes)),
    chunks.map((c) => Array.from(c)),
  );
});

test('cancelling stops the body', async () => {
  let cancelled = null;
  const stream = new ReadableStream({
    type: 'bytes',
    pull(controller) {
      controller.enqueue(counting(1000));
    },
    cancel(reason) {
      cancelled = reason ?? 'cancelled';
    },
  });
  const reader = pieces.pieceReader(stream);
  assert.equal((await reader.read()).length, 1000);
  await reader.cancel();
  assert.notEqual(cancelled, null, 'the source was not cancelled');
  assert.equal(await reader.read(), null);
});

test('a whole body comes back in one array, whatever length was announced', async () => {
  // 2.5 buffers' worth, announced exactly, short (the array grows), long
  // (the bytes read, no more) and not at all.
  const body = counting(2.5 * pieces.PIECE_BYTES);
  for (const expected of [body.length, 1000, 3 * body.length, null]) {
    const seen = [];
    const whole = await pieces.readWhole(new Response(body).body, expected, (done) => seen.push(done));
    assert.deepEqual(Buffer.from(whole), Buffer.from(body), `announced ${expected}`);
    assert.equal(whole.buffer.byteLength, body.length, `announced ${expected}: the array is cut to the body`);
    assert.equal(seen.at(-1), body.length);
    assert.ok(seen.every((done, i) => i === 0 || done > seen[i - 1]), `announced ${expected}: progress only grows`);
  }
});
