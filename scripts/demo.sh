#!/usr/bin/env bash
# Installs what npusim needs, builds it into build/, and runs the default demo: a GEMM and a
# flash-style attention kernel on an Ascend 910B, then the project's main job: how long and how
# much energy it takes to train a GPT-3-sized model on an Atlas A2 (910B) cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
npusim_install_packages
npusim_build build npusim

run() {
  echo
  echo "\$ npusim$(printf ' %q' "$@")"
  build/npusim "$@"
}
run chip run --chip ascend910b --kernel "gemm m=2048 n=2048 k=2048 dtype=fp16" \
  --json build/demo-gemm.json --timeline build/demo-gemm-timeline.json
run chip run --chip ascend910b --kernel "attention batch=1 heads=8 seq=2048 head_dim=128 causal=1" \
  --json build/demo-attention.json
run train --cluster atlas-a2-cluster --model gpt3-175b --tp 8 --pp 16 --dp 64 \
  --micro-batch 1 --global-batch 1536 --recompute selective --sp --tokens 300e9 \
  --json build/demo-train.json --timeline build/demo-train-timeline.json
echo
echo "Full results: build/demo-gemm.json, build/demo-attention.json, build/demo-train.json"
echo "Timelines: open build/demo-gemm-timeline.json or build/demo-train-timeline.json in"
echo "https://ui.perfetto.dev or chrome://tracing"
