#!/usr/bin/env bash
# Cluster-level scale benchmark (docs/performance.md): one GPT-3 175B training step on the
# Atlas A2 cluster from 64 to 16384 NPUs in symmetric mode, 1024 NPUs with --full, wall time
# and peak memory of each, after one warm-up run fills the kernel cost cache (cold-cache time
# and hit rate are printed too). Run after bench/run.sh has built build/npusim.
set -euo pipefail
cd "$(dirname "$0")/.."
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
measure() {  # prints "wall_s peak_kib" of the command
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1
  else
    local start=$(date +%s.%N); "$@" >/dev/null; echo "$(echo "$(date +%s.%N) - $start" | bc) ?"
  fi
}
job=(build/npusim train --cluster atlas-a2-cluster --model gpt3-175b --tp 8 --micro-batch 1
     --recompute selective --sp --cost-cache "$cache" -q)
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%Y-%m-%d)"
echo "cold cost cache, 8192 NPUs (tp8 pp16 dp64): $(measure "${job[@]}" --pp 16 --dp 64 --global-batch 1536) (wall s, peak KiB)"
"${job[@]}" --pp 16 --dp 64 --global-batch 1536 --json "$cache/warm.json"
python3 -c "import json,sys; c=json.load(open(sys.argv[1]))['cost_cache']; print('warm run cost cache:', c)" "$cache/warm.json"
printf "%6s %4s %4s %6s %12s %10s %12s\n" npus pp dp global wall_s peak_MiB mode
for spec in "64 8 1 64" "256 16 2 192" "1024 16 8 384" "2048 16 16 768" "4096 16 32 1536" "8192 16 64 1536" "16384 16 128 3072"; do
  set -- $spec
  read -r wall kib < <(measure "${job[@]}" --pp "$2" --dp "$3" --global-batch "$4")
  printf "%6s %4s %4s %6s %12s %10s %12s\n" "$1" "$2" "$3" "$4" "$wall" "$((kib / 1024))" symmetric
done
read -r wall kib < <(measure "${job[@]}" --pp 16 --dp 8 --global-batch 384 --full)
printf "%6s %4s %4s %6s %12s %10s %12s\n" 1024 16 8 384 "$wall" "$((kib / 1024))" full
