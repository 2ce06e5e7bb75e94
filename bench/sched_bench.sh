#!/usr/bin/env bash
# Fleet-level scale benchmark (docs/performance.md, "Fleet level"): a 100,000-job synthetic
# trace (seed 7, offered load 0.8) on the 4096-NPU a2-pods fleet under every shipped policy;
# wall time and peak memory of each `npusim sched` run (the cluster-level speed model
# included). Usage: bench/sched_bench.sh [path/to/npusim]  (default build/npusim)
set -euo pipefail
cd "$(dirname "$0")/.."
npusim=${1:-build/npusim}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%Y-%m-%d)"
"$npusim" sched gen --jobs 100000 --seed 7 --load 0.8 --npus 4096 -o "$work/jobs.csv"
printf "| %-7s | %8s | %9s | %12s | %12s | %6s | %11s | %9s |\n" policy wall_s peak_MiB avg_jct_s p99_jct_s util% preemptions decisions
printf "|---|---|---|---|---|---|---|---|\n"
for p in fifo sjf srtf las easy pack share hetero; do
  if [[ -x /usr/bin/time ]]; then
    read -r wall kib < <(/usr/bin/time -f "%e %M" "$npusim" sched --cluster a2-pods --jobs "$work/jobs.csv" \
        --policy "$p" --json "$work/$p.json" -q 2>&1 >/dev/null | tail -1)
  else
    start=$(date +%s.%N)
    "$npusim" sched --cluster a2-pods --jobs "$work/jobs.csv" --policy "$p" --json "$work/$p.json" -q
    wall=$(echo "$(date +%s.%N) - $start" | bc); kib=0
  fi
  python3 - "$work/$p.json" "$p" "$wall" "$kib" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"| {sys.argv[2]:<7} | {float(sys.argv[3]):8.2f} | {int(sys.argv[4]) // 1024:9d} | {r['avg_jct_s']:12.0f} | "
      f"{r['p99_jct_s']:12.0f} | {100 * r['utilization']:6.1f} | {r['preemptions']:11d} | {r['decisions']:9d} |")
PY
done
