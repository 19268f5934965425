#!/usr/bin/env bash
# Trains the two networks the page reads drawings with from its first second
# (before any training in the browser), and the runs chapters 4 and 5 open
# with, with the native binary, and writes them where the page loads them.
# Their files are committed; run this again to remake them (same seed, same
# weights).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --locked --release --bin gradlab
gradlab="${CARGO_TARGET_DIR:-target}/release/gradlab"
models=www/public/models
mkdir -p "$models" out/default-models
# Softmax: 785 x 10 weights, 31 KB.
"$gradlab" mnist train --model softmax --seed 0 --out out/default-models/softmax
# One hidden layer of 64 tanh units: 785 x 64 + 65 x 10 weights, 204 KB
# (300 units would be 954 KB for about half a point of accuracy).
"$gradlab" mnist train --model mlp --hidden 64 --seed 0 --out out/default-models/mlp
cp out/default-models/softmax/model.safetensors "$models/softmax.safetensors"
cp out/default-models/mlp/model.safetensors "$models/mlp.safetensors"
# The runs chapters 4 and 5 show until the learner trains one
# (www/src/chapters/shared/recorded.ts): the softmax network with the
# chapters' default settings, with gradient descent and with momentum, 12
# curve points per epoch like the page's own runs. Chapter 4 also shows the
# gradient-descent run's weights (31 KB).
for rule in gd momentum; do
  "$gradlab" mnist train --model softmax --optimizer "$rule" --learning-rate 0.05 --momentum 0.9 \
    --batch-size 100 --epochs 2 --seed 0 --evaluations-per-epoch 12 --out "out/default-models/softmax-$rule"
  cp "out/default-models/softmax-$rule/report.json" "$models/softmax-$rule.report.json"
done
cp out/default-models/softmax-gd/model.safetensors "$models/softmax-gd.safetensors"
ls -l "$models"
