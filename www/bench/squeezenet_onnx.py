"""SqueezeNet 1.1 as an ONNX model, for the onnxruntime-web yardstick of cnn-bench.mjs.

The network that src/cnn/squeezenet.rs runs, on the very weights the page
fetches (www/public/cnn/squeezenet1_1-f16.safetensors), so that onnxruntime-web
and gradlab's wasm module compute the same thing and only their speed differs.
The page turns the half-precision weights into f32 before it computes; so does
this script, and the model holds f32 initialisers.

    python squeezenet_onnx.py WEIGHTS.safetensors OUT.onnx

Input `input`, float32 1 x 3 x 227 x 227, already prepared as gradlab prepares
it (blue, green, red, 0..255 minus the ImageNet mean); output `logits`, 1 x
1000, the class scores before the softmax. numpy and onnx only: the
safetensors file is simple enough to read by hand (onnx-model.mjs installs
both into www/bench/.venv-onnx).
"""

import json
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
SIDE = 227
CLASSES = 1000

# As in src/cnn/squeezenet.rs: each fire module's squeeze, 1x1-expand and
# 3x3-expand channels, and the fire modules that max pooling comes before.
FIRES = [
    ("fire2", 16, 64),
    ("fire3", 16, 64),
    ("fire4", 32, 128),
    ("fire5", 32, 128),
    ("fire6", 48, 192),
    ("fire7", 48, 192),
    ("fire8", 64, 256),
    ("fire9", 64, 256),
]
POOL_BEFORE = {"fire2", "fire4", "fire6"}

# safetensors' dtype names for the types gradlab's weight files can hold.
DTYPES = {"F16": np.float16, "F32": np.float32}


def read_safetensors(path):
    """Every tensor of the file, as f32, by name."""
    raw = open(path, "rb").read()
    if len(raw) < 8:
        raise SystemExit(f"{path}: too short for a safetensors file")
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + length])
    data = memoryview(raw)[8 + length :]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = DTYPES.get(entry["dtype"])
        if dtype is None:
            raise SystemExit(f"{path}: tensor {name} is {entry['dtype']}; expected F16 or F32")
        start, end = entry["data_offsets"]
        # The page widens f16 to f32 exactly (every f16 is an f32), as here.
        array = np.frombuffer(data[start:end], dtype=np.dtype(dtype).newbyteorder("<"))
        tensors[name] = array.reshape(entry["shape"]).astype(np.float32)
    return tensors


class Graph:
    """The nodes and initialisers of the model, added in order."""

    def __init__(self, weights):
        self.weights = weights
        self.nodes = []
        self.initializers = []
        self.used = set()

    def weight(self, name, shape):
        """The tensor `name`, checked against SqueezeNet 1.1's `shape`, as an initialiser."""
        if name not in self.weights:
            raise SystemExit(f"no tensor {name}: is this SqueezeNet 1.1's weight file?")
        array = self.weights[name]
        if list(array.shape) != list(shape):
            raise SystemExit(f"tensor {name} has shape {list(array.shape)}; SqueezeNet 1.1 needs {list(shape)}")
        self.initializers.append(numpy_helper.from_array(array, name))
        self.used.add(name)
        return name

    def conv_relu(self, x, name, inputs, outputs, k, stride=1, pad=0):
        """Convolution `name` (its weights `name.weight`, `name.bias`) and a ReLU."""
        w = self.weight(f"{name}.weight", [outputs, inputs, k, k])
        b = self.weight(f"{name}.bias", [outputs])
        self.nodes.append(
            helper.make_node(
                "Conv", [x, w, b], [f"{name}.conv"], name=name,
                kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4,
            )
        )
        self.nodes.append(helper.make_node("Relu", [f"{name}.conv"], [name], name=f"{name}.relu"))
        return name

    def max_pool(self, x, name):
        # gradlab (like Caffe) rounds the output size up, padding the right and
        # bottom with zeros: harmless after a ReLU. ONNX's ceil_mode gives the
        # same sizes (113 -> 56 -> 28 -> 14) and the same maxima, its partial
        # windows simply ignoring what lies outside.
        self.nodes.append(
            helper.make_node("MaxPool", [x], [name], name=name, kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)
        )
        return name


def squeezenet(weights):
    g = Graph(weights)
    x = g.conv_relu("input", "conv1", 3, 64, 3, stride=2)
    channels = 64
    pools = 0
    for fire, squeeze, expand in FIRES:
        if fire in POOL_BEFORE:
            pools += 1
            x = g.max_pool(x, f"pool{pools}")
        s = g.conv_relu(x, f"{fire}.squeeze1x1", channels, squeeze, 1)
        e1 = g.conv_relu(s, f"{fire}.expand1x1", squeeze, expand, 1)
        e3 = g.conv_relu(s, f"{fire}.expand3x3", squeeze, expand, 3, pad=1)
        # The 1x1 expansion's channels first, as gradlab stacks them.
        g.nodes.append(helper.make_node("Concat", [e1, e3], [fire], name=f"{fire}.concat", axis=1))
        x = fire
        channels = 2 * expand
    x = g.conv_relu(x, "conv10", channels, CLASSES, 1)
    g.nodes.append(helper.make_node("GlobalAveragePool", [x], ["conv10.mean"], name="mean"))
    g.nodes.append(helper.make_node("Flatten", ["conv10.mean"], ["logits"], name="flatten", axis=1))

    unused = sorted(set(weights) - g.used)
    if unused:
        raise SystemExit(f"tensors the network does not use: {', '.join(unused)}")
    graph = helper.make_graph(
        g.nodes,
        "squeezenet1_1",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, SIDE, SIDE])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, CLASSES])],
        initializer=g.initializers,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="gradlab www/bench/squeezenet_onnx.py",
        doc_string="SqueezeNet 1.1 as gradlab computes it (src/cnn/squeezenet.rs), "
        "on the page's half-precision weights widened to f32",
    )
    # IR version 8 (ONNX 1.12, which brought opset 17): newer onnx packages
    # stamp a newer IR that an older onnxruntime refuses, and opset 17 needs
    # nothing past 8.
    model.ir_version = 8
    return model


def main():
    if len(sys.argv) != 3:
        raise SystemExit("usage: python squeezenet_onnx.py WEIGHTS.safetensors OUT.onnx")
    source, target = sys.argv[1:]
    model = squeezenet(read_safetensors(source))
    onnx.checker.check_model(model, full_check=True)
    # Shape inference as a check of the pooling arithmetic: fire9 must come
    # out 512 x 14 x 14, as in gradlab.
    inferred = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    shapes = {
        v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in inferred.graph.value_info
    }
    if shapes.get("fire9") != [1, 512, 14, 14]:
        raise SystemExit(f"fire9 comes out {shapes.get('fire9')}, not [1, 512, 14, 14]")
    onnx.save(model, target)
    parameters = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
    print(f"{target}: SqueezeNet 1.1, {parameters} parameters, opset {OPSET}")


if __name__ == "__main__":
    main()
