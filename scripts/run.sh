#!/usr/bin/env bash
# The main job: installs what is missing, then trains both networks on the full
# MNIST and prints their test accuracy (the page comes in a later release).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --locked --release --bin gradlab
mkdir -p out
target/release/gradlab mnist train --model softmax --out out/softmax
target/release/gradlab mnist train --model mlp --hidden 300 --out out/mlp
