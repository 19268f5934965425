// The ONNX model of the onnxruntime-web yardstick in cnn-bench.mjs: SqueezeNet
// 1.1 on the page's own weights (www/public/cnn/squeezenet1_1-f16.safetensors),
// written by squeezenet_onnx.py into www/bench/.build/squeezenet1_1.onnx.
// Nothing of it is committed: the model is 4.9 MB of f32 weights that the
// weight file already holds, and the script makes it in a second. onnx and
// numpy come from a venv in www/bench/.venv-onnx that this module creates when
// it is missing (apart from train-bench.mjs's .venv, so that neither
// benchmark's set-up changes what the other measures).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const bench = dirname(fileURLToPath(import.meta.url));
const repository = join(bench, '..', '..');
const venv = join(bench, '.venv-onnx');
const python = join(venv, 'bin', 'python');
const script = join(bench, 'squeezenet_onnx.py');
const weights = join(repository, 'www', 'public', 'cnn', 'squeezenet1_1-f16.safetensors');
const model = join(bench, '.build', 'squeezenet1_1.onnx');

const run = (command, commandArgs, options = {}) =>
  execFileSync(command, commandArgs, { cwd: repository, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...options });

/** Whether `python -c code` exits 0 (a quick look at what the venv holds). */
function succeeds(code) {
  try {
    run(python, ['-c', code], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const pipInstall = (requirement) =>
  run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', requirement], { stdio: ['ignore', 'inherit', 'inherit'] });

/** The path of SqueezeNet 1.1's .onnx file, made (with its venv) when missing
 * or older than the weights or the script; `log(message)` hears each step. */
export async function squeezenetOnnx(log) {
  if (!existsSync(weights)) {
    throw new Error(`${relative(repository, weights)} is missing: run scripts/build-page.sh first`);
  }
  if (!existsSync(python)) {
    log(`creating the onnx venv in ${relative(repository, venv)}`);
    run('python3', ['-m', 'venv', venv]);
  }
  if (!succeeds('import numpy, sys; sys.exit(0 if numpy.__version__.startswith("2.") else 1)')) {
    log('installing numpy 2.4 into the venv');
    pipInstall('numpy==2.4.*');
  }
  // onnx 1.x: its helper and checker API, which squeezenet_onnx.py uses, is
  // that of the 1.x line.
  if (!succeeds('import onnx, sys; sys.exit(0 if onnx.__version__.startswith("1.") else 1)')) {
    log('installing onnx 1.x into the venv');
    pipInstall('onnx==1.*');
  }
  const stale = !existsSync(model) || Math.max(statSync(weights).mtimeMs, statSync(script).mtimeMs) > statSync(model).mtimeMs;
  if (stale) {
    log(`writing ${relative(repository, model)} from ${relative(repository, weights)}`);
    mkdirSync(dirname(model), { recursive: true });
    const said = run(python, [script, weights, model]).trim();
    if (said) log(said.replace(model, relative(repository, model)));
  } else {
    log(`${relative(repository, model)} is up to date`);
  }
  return model;
}
