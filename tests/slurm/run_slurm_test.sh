#!/usr/bin/env bash
# The Slurm backend of `npusim sweep`, for real: installs Debian's slurm-wlm and munge if they
# are missing, starts munged, slurmctld and slurmd on localhost from a generated config in a
# temporary folder (nothing in /etc is changed), runs the smoke sweep through sbatch and checks
# that its results equal the local runner's; then checks that a lost task is reported by
# `npusim sweep collect` and resubmitted by --resume. Stops the daemons it started on exit.
#
# usage: run_slurm_test.sh NPUSIM_BINARY SOURCE_DIR
# Exit 77 (CTest SKIP_RETURN_CODE) when it cannot run here: not root, or no Slurm and apt
# cannot install it.
set -uo pipefail
npusim=$1
src=$2
spec=$src/configs/sweeps/smoke.yaml
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; show_logs; exit 1; }

[[ $(id -u) -eq 0 ]] || skip "needs root (installs slurm-wlm and munge, starts slurmctld/slurmd)"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
   || ! command -v munged >/dev/null; then
  echo "installing slurm-wlm and munge (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 &&
         apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null 2>&1; }; } \
    || skip "apt-get cannot install slurm-wlm and munge"
fi
command -v /usr/bin/python3 >/dev/null || skip "needs /usr/bin/python3 to compare results"

work=$(mktemp -d /tmp/npusim-slurm.XXXXXX)
pids=()
show_logs() {
  for f in "$work"/log/*.log; do
    [[ -f $f ]] && { echo "== $f"; tail -n 20 "$f"; }
  done
}
cleanup() {
  # Only the daemons this script started, by their pids.
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work"/{munge,log,state,spool,out}
chmod 700 "$work"/munge

# munge: a fresh key and socket of our own, so a munged already on the machine is untouched.
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$work/munge/munge.key"
munged --foreground --force --socket="$work/munge/munge.sock" --key-file="$work/munge/munge.key" \
  --log-file="$work/log/munged.log" --pid-file="$work/munge/munged.pid" \
  --seed-file="$work/munge/munged.seed" > "$work/log/munged.stdout.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [[ -S $work/munge/munge.sock ]] && break; sleep 0.1; done
[[ -S $work/munge/munge.sock ]] || fail "munged did not start"

# Ports away from the defaults (6817/6818) so a real Slurm on this machine is not disturbed.
port=$((20000 + RANDOM % 20000))
export SLURM_CONF=$work/slurm.conf
cat > "$SLURM_CONF" <<CONF
ClusterName=npusimtest
SlurmctldHost=localhost
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
NodeName=localhost NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF

slurmctld -D -i -f "$SLURM_CONF" > "$work/log/slurmctld.stdout.log" 2>&1 &
pids+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" > "$work/log/slurmd.stdout.log" 2>&1 &
pids+=($!)
ready=0
for _ in $(seq 120); do
  state=$(sinfo --noheader --nodes=localhost --format=%t 2>/dev/null | head -n 1)
  if [[ $state == idle* ]]; then ready=1; break; fi
  sleep 0.5
done
[[ $ready -eq 1 ]] || fail "the Slurm node did not become idle (state: '${state:-none}')"
echo "slurm up: slurmctld and slurmd on localhost, port $port"

# 1. The smoke sweep through sbatch (waiting for the job) against the local runner.
"$npusim" sweep "$spec" -j 2 -q --out "$work/out/local" > "$work/log/local.log" 2>&1 \
  || fail "local sweep failed: $(cat "$work/log/local.log")"
"$npusim" sweep "$spec" --backend slurm --chunk 5 --partition debug --time 10:00 --poll-s 0.5 -q \
  --out "$work/out/slurm" > "$work/log/slurm.log" 2>&1 \
  || fail "slurm sweep failed: $(cat "$work/log/slurm.log")"
grep -q "submitted Slurm job" "$work/log/slurm.log" || fail "no job submitted: $(cat "$work/log/slurm.log")"

compare() {  # compare LOCAL_DIR SLURM_DIR: same points, same status and metrics
  /usr/bin/python3 - "$1" "$2" <<'PY'
import csv, json, sys
def load(d):
    out = {}
    for line in open(d + "/results.jsonl"):
        r = json.loads(line)
        out[r["id"]] = (r["status"], r["vars"], r["metrics"])
    with open(d + "/results.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(out), (d, len(rows), len(out))
    return out
a, b = load(sys.argv[1]), load(sys.argv[2])
assert a.keys() == b.keys(), (sorted(a), sorted(b))
for k in a:
    assert a[k] == b[k], (k, a[k], b[k])
assert all(v[0] == "ok" for v in a.values())
print(f"{len(a)} points: Slurm results equal the local runner's")
PY
}
compare "$work/out/local" "$work/out/slurm" || fail "results differ"

# 2. --no-wait, a lost task, collect lists it, --resume resubmits only its points.
"$npusim" sweep "$spec" --backend slurm --chunk 8 --no-wait -q --out "$work/out/nowait" \
  > "$work/log/nowait.log" 2>&1 || fail "--no-wait submission failed: $(cat "$work/log/nowait.log")"
job=$(sed -n 's/^submitted Slurm job \([0-9]*\).*/\1/p' "$work/log/nowait.log")
[[ -n $job ]] || fail "no job id in: $(cat "$work/log/nowait.log")"
for _ in $(seq 240); do
  [[ -z $(squeue --noheader --jobs "$job" 2>/dev/null) ]] && break
  sleep 0.5
done
lost=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tasks"][1][0])' \
  "$work/out/nowait/slurm/batch-1.json")
rm -f "$work/out/nowait/points/$lost/record.json"   # as if task 1 died before this point
"$npusim" sweep collect "$work/out/nowait" > "$work/log/collect.log" 2>&1
status=$?
[[ $status -eq 1 ]] || fail "collect with a lost point should exit 1, got $status: $(cat "$work/log/collect.log")"
grep -q "batch 1 task 1 (job ${job}_1): 1 point(s) without a result" "$work/log/collect.log" \
  || fail "collect did not list the lost task: $(cat "$work/log/collect.log")"
"$npusim" sweep "$spec" --backend slurm --resume --poll-s 0.5 -q --out "$work/out/nowait" \
  > "$work/log/resume.log" 2>&1 || fail "--resume failed: $(cat "$work/log/resume.log")"
grep -q "submitted Slurm job [0-9]*: 1 array task(s)" "$work/log/resume.log" \
  || fail "--resume did not resubmit just the lost point: $(cat "$work/log/resume.log")"
compare "$work/out/local" "$work/out/nowait" || fail "results after --resume differ"
"$npusim" sweep status "$work/out/nowait" | grep -q "24 ok, 0 failed, 0 timed out, 0 not run yet" \
  || fail "status after --resume: $("$npusim" sweep status "$work/out/nowait")"
echo "PASS"
