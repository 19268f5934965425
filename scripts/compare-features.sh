#!/usr/bin/env bash
# Part 10 over many splits of the default six ORL people: for seeds 0..N-1,
# prepare the faces with that split seed, then train both classifiers (on
# SqueezeNet fire9 features and on pixels) with that seed, and summarise.
# Usage: scripts/compare-features.sh [N=30]   (about 3 s a seed)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-30}"
gradlab=target/release/gradlab
[ -x "$gradlab" ] || cargo build --locked --release --bin gradlab
"$gradlab" cnn import-squeezenet
work=out/compare-features
mkdir -p "$work"
runs="$work/runs.jsonl"
: > "$runs"
for seed in $(seq 0 $((n - 1))); do
  "$gradlab" faces prepare --seed "$seed" --out "$work/faces-$seed" >/dev/null 2>&1
  "$gradlab" features --data "$work/faces-$seed" --seed "$seed" --out "$work/features-$seed" --json 2>/dev/null >> "$runs"
done
python3 - "$runs" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
f = [r["test_accuracy"] for r in runs]
p = [r["pixel_test_accuracy"] for r in runs]
fc = [r["on_features"]["test_cost"] for r in runs]
pc = [r["on_pixels"]["test_cost"] for r in runs]
tests = runs[0]["test_images"]
print(f"{len(runs)} splits of the default six people, {tests} test faces each")
print(f"test accuracy, features: mean {statistics.mean(f):.4f}, min {min(f):.4f}")
print(f"test accuracy, pixels:   mean {statistics.mean(p):.4f}, min {min(p):.4f}")
better = sum(a > b for a, b in zip(f, p))
equal = sum(a == b for a, b in zip(f, p))
print(f"features better on {better}, equal on {equal}, worse on {len(runs) - better - equal}")
lower = sum(a < b for a, b in zip(fc, pc))
print(f"test cross-entropy: features {statistics.mean(fc):.4f}, pixels {statistics.mean(pc):.4f} (features lower on {lower})")
PY
