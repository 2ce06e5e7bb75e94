#!/usr/bin/python3
"""Plots `npusim sched` results per policy: the CDF of job completion times and the
utilisation over time (docs/fleet.md).

    npusim sched --cluster hetero-small --jobs jobs.csv --compare fifo,srtf,las \
        --csv per_job.csv --series series.csv
    python3 scripts/plot_sched.py --jobs per_job.csv --series series.csv -o sched.png

--jobs is the per-job CSV (--csv), --series the time series (--series); either may be left
out. Needs matplotlib (Debian: python3-matplotlib).
"""
import argparse
import csv
import sys
from collections import defaultdict


def read_rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", help="per-job CSV written by npusim sched --csv")
    ap.add_argument("--series", help="time series CSV written by npusim sched --series")
    ap.add_argument("-o", "--out", default="sched.png", help="output image (png, pdf, svg)")
    ap.add_argument("--max-points", type=int, default=4000,
                    help="thin each utilisation curve to about this many points")
    a = ap.parse_args()
    if not a.jobs and not a.series:
        ap.error("give --jobs and/or --series")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("plot_sched.py needs matplotlib (apt-get install python3-matplotlib)")

    panels = [p for p in (a.jobs, a.series) if p]
    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4.2), squeeze=False)
    axes = axes[0]
    i = 0
    if a.jobs:
        jct = defaultdict(list)
        for r in read_rows(a.jobs):
            jct[r["policy"]].append(float(r["jct_s"]))
        ax = axes[i]
        i += 1
        for policy, values in jct.items():
            values.sort()
            n = len(values)
            ax.step(values, [(k + 1) / n for k in range(n)], where="post", label=policy)
        ax.set_xscale("log")
        ax.set_xlabel("job completion time (s)")
        ax.set_ylabel("fraction of jobs")
        ax.set_title("JCT CDF")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    if a.series:
        series = defaultdict(lambda: ([], []))
        for r in read_rows(a.series):
            t, u = series[r["policy"]]
            t.append(float(r["t_s"]) / 3600)
            u.append(100 * float(r["utilization"]))
        ax = axes[i]
        for policy, (t, u) in series.items():
            step = max(1, len(t) // a.max_points)
            ax.step(t[::step], u[::step], where="post", label=policy, linewidth=0.8)
        ax.set_xlabel("time (h)")
        ax.set_ylabel("allocated NPUs (%)")
        ax.set_ylim(0, 105)
        ax.set_title("utilisation over time")
        ax.grid(True, alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(a.out, dpi=130)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
