#!/usr/bin/env bash
# Runs fuzz targets for a fixed time each on their committed seeds:
#   fuzz/run.sh SECONDS [TARGET...]    (all targets when none is named)
# What libFuzzer finds new goes to fuzz/target/grown-corpus/TARGET (ignored by
# git), not into the seeds under fuzz/corpus/; a crash stops with a non-zero
# exit and leaves the input in fuzz/artifacts/TARGET/.
#
# FUZZ_TOOLCHAIN (default nightly; empty for the default toolchain) picks
# the toolchain; FUZZ_SANITIZER (default address, which needs nightly) can
# be `none`, which stable builds; FUZZ_DEV=1 builds unoptimised (`--dev`):
# half the build time, a ninth of the runs a second, which suits a short run.
set -euo pipefail
cd "$(dirname "$0")"
toolchain=${FUZZ_TOOLCHAIN-nightly}
sanitizer=${FUZZ_SANITIZER:-address}
build=()
if [ "${FUZZ_DEV:-0}" = 1 ]; then build=(--dev); fi
seconds=${1:?usage: fuzz/run.sh SECONDS [TARGET...]}
shift
targets=("$@")
cargo_fuzz() {
  if [ -n "$toolchain" ]; then cargo "+$toolchain" fuzz "$@"; else cargo fuzz "$@"; fi
}
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo_fuzz list)
fi
for target in "${targets[@]}"; do
  grown="target/grown-corpus/$target"
  mkdir -p "$grown" "corpus/$target"
  printf '\n== fuzz: %s for %s s\n' "$target" "$seconds" >&2
  # The first folder receives new inputs; the second (the seeds) is only read.
  cargo_fuzz run "${build[@]}" --sanitizer "$sanitizer" "$target" "$grown" "corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
done
