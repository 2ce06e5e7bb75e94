#!/usr/bin/env bash
# Speed of `npusim sweep` (docs/performance.md, "Sweep runner"): a 1000-point chip sweep of
# small GEMMs (m, n, k from 16 to 160 in steps of 16) run with -j 1 and -j 2. Reports points/s
# and the runner's own overhead per point: the sweep's wall time per point minus the mean
# wall time of the point processes themselves (fork to exit, as the runner measures it, so
# process start-up counts as the point's time, not the runner's). For comparison it also
# times a plain shell loop running the same 1000 command lines.
#
# usage: bench/sweep_bench.sh [NPUSIM_BINARY]   (default: build/npusim)
set -euo pipefail
cd "$(dirname "$0")/.."
npusim=${1:-build/npusim}
[[ -x $npusim ]] || { echo "no $npusim: build it first (ninja -C build npusim)" >&2; exit 2; }
py=/usr/bin/python3
work=$(mktemp -d /tmp/npusim-sweep-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

cat > "$work/bench.yaml" <<'SPEC'
name: sweep-bench
command: chip run
args: [--chip, ascend910b, --kernel, "gemm m={m} n={n} k={k} dtype=fp16"]
axes:
  - {name: m, from: 16, to: 160, step: 16}
  - {name: n, from: 16, to: 160, step: 16}
  - {name: k, from: 16, to: 160, step: 16}
SPEC

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%Y-%m-%d); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| run | points | wall s | points/s | mean point process s | runner overhead per point |"
echo "|---|---|---|---|---|---|"
for j in 1 2; do
  out=$work/j$j
  start=$(date +%s.%N)
  "$npusim" sweep "$work/bench.yaml" -j "$j" -q --out "$out" > /dev/null || true
  end=$(date +%s.%N)
  "$py" - "$out" "$start" "$end" "$j" <<'PY'
import json, sys
out, start, end, j = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
recs = [json.loads(l) for l in open(out + "/results.jsonl")]
ok = sum(r["status"] == "ok" for r in recs)
wall = end - start
mean = sum(r["wall_s"] for r in recs) / len(recs)
# With j processes at once, the sweep's time per point is wall * j / n; what it adds on top
# of the points' own time is the runner's overhead.
overhead = wall * j / len(recs) - mean
print(f"| npusim sweep -j {j} | {len(recs)} ({ok} ok) | {wall:.1f} | {len(recs) / wall:.1f} | {mean * 1e3:.1f} ms | {overhead * 1e3:.1f} ms |")
PY
done

# The same command lines from a shell loop, one after the other.
"$npusim" sweep "$work/bench.yaml" --list | sed -n 's/^[0-9a-f]\{16\}  npusim //p' > "$work/commands.txt"
start=$(date +%s.%N)
while IFS= read -r line; do
  eval "\"$npusim\" $line --json $work/loop.json" > /dev/null
done < "$work/commands.txt"
end=$(date +%s.%N)
"$py" -c "import sys; n=int(sys.argv[3]); w=float(sys.argv[2])-float(sys.argv[1]); print(f'| shell loop, sequential | {n} | {w:.1f} | {n/w:.1f} | - | - |')" \
  "$start" "$end" "$(wc -l < "$work/commands.txt")"
