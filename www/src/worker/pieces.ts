// A response body read piece by piece into one buffer, over and over.
//
// A stream's default reader hands over each piece in an ArrayBuffer of its
// own. For MNIST that is 11 MB of them, each garbage once copied into the
// module, and the worker's JavaScript heap is too small for V8 to collect
// them soon: they were still there seconds after the data was in
// (BENCHMARKS.md, issue 21, sixteenth round). A "bring your own buffer"
// reader fills a buffer the caller gives it and hands the same memory back
// with each piece, so the whole body passes through one buffer.

/** The size of the buffer a body is read into. */
export const PIECE_BYTES = 64 * 1024;

export interface PieceReader {
  /** The next piece, or null at the end. It is valid until the next read. */
  read(): Promise<Uint8Array | null>;
  /** Stops reading: the rest of the body is not fetched. */
  cancel(): Promise<void>;
}

/** Reads `body` through one buffer of PIECE_BYTES where the stream allows
 * it (a fetch's body is a byte stream), piece by piece as it comes
 * otherwise. */
export function pieceReader(body: ReadableStream<Uint8Array>): PieceReader {
  let byob: ReadableStreamBYOBReader;
  try {
    byob = body.getReader({ mode: 'byob' });
  } catch {
    // Not a byte stream (TypeError): each piece comes in its own buffer.
    const reader = body.getReader();
    return {
      read: async () => {
        const { done, value } = await reader.read();
        return done ? null : value;
      },
      cancel: () => reader.cancel(),
    };
  }
  let buffer = new ArrayBuffer(PIECE_BYTES);
  return {
    async read() {
      // The read takes `buffer` (it is detached) and hands its memory back
      // in the piece, to be given to the next read in turn.
      const { done, value } = await byob.read(new Uint8Array(buffer));
      if (done || value === undefined) return null;
      buffer = value.buffer as ArrayBuffer;
      return value;
    },
    cancel: () => byob.cancel(),
  };
}

/** Past this, a Content-Length is not taken at its word for the first
 * allocation: the array grows as the bytes come instead. */
const LARGEST_PRESIZE = 64 * 1024 * 1024;

/** A whole body in one array, read through one buffer: sized from
 * `expected` (the Content-Length, if any) and grown if the body is longer,
 * as a body the browser unpacked is, so no list of pieces is joined at the
 * end. `progress(done)` follows each piece. */
export async function readWhole(body: ReadableStream<Uint8Array>, expected: number | null, progress: (done: number) => void): Promise<Uint8Array> {
  let bytes = new Uint8Array(expected !== null && expected > 0 && expected <= LARGEST_PRESIZE ? expected : PIECE_BYTES);
  let done = 0;
  const reader = pieceReader(body);
  for (let piece = await reader.read(); piece !== null; piece = await reader.read()) {
    if (done + piece.length > bytes.length) {
      const grown = new Uint8Array(Math.max(2 * bytes.length, done + piece.length));
      grown.set(bytes.subarray(0, done));
      bytes = grown;
    }
    bytes.set(piece, done);
    done += piece.length;
    progress(done);
  }
  // Shorter than announced, or grown past its end: the bytes read, no more.
  return done === bytes.length ? bytes : bytes.slice(0, done);
}
