#!/usr/bin/env bash
# Trains the two networks the page reads drawings with from its first second
# (before any training in the browser), with the native binary, and writes
# them where the page loads them. Their files are committed; run this again
# to remake them (same seed, same weights).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --locked --release --bin gradlab
models=www/public/models
mkdir -p "$models" out/default-models
# Softmax: 785 x 10 weights, 31 KB.
target/release/gradlab mnist train --model softmax --seed 0 --out out/default-models/softmax
# One hidden layer of 64 tanh units: 785 x 64 + 65 x 10 weights, 204 KB
# (300 units would be 954 KB for about half a point of accuracy).
target/release/gradlab mnist train --model mlp --hidden 64 --seed 0 --out out/default-models/mlp
cp out/default-models/softmax/model.safetensors "$models/softmax.safetensors"
cp out/default-models/mlp/model.safetensors "$models/mlp.safetensors"
ls -l "$models"
