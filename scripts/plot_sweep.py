#!/usr/bin/python3
"""Plots the results of an `npusim sweep` folder (DIR/results.csv), as PNG and SVG.

Kinds of plot (docs/sweeps.md):
  --x VAR --y METRIC [--hue VAR] [--scatter]   a metric against a sweep variable, one line
                                               per value of --hue
  --heatmap XVAR YVAR --z METRIC               a metric over two variables
  --pareto METRIC1 METRIC2 [--label VAR ...]   all points and their Pareto front (both metrics
                                               smaller is better unless --maximize), front labelled
  --roofline                                   chip runs: achieved TFLOP/s against arithmetic
                                               intensity (FLOP per HBM byte) under each roof
--where VAR=VALUE (repeatable) keeps only matching rows. Only points with status ok are
plotted; when a point was run more than once the last row counts.

Uses Debian's python3-matplotlib (scripts/setup.sh installs it).
"""
import argparse
import csv
import math
import os
import sys
from collections import OrderedDict, defaultdict

plt = None  # matplotlib.pyplot, imported once the inputs are known to be good (it is slow)


def load_pyplot():
    global plt
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot

    plt = matplotlib.pyplot


def fail(message):
    print(f"plot_sweep.py: {message}", file=sys.stderr)
    sys.exit(2)


def number(text):
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def load_rows(folder, where):
    path = os.path.join(folder, "results.csv")
    if not os.path.exists(path):
        fail(f"{path}: no results (run `npusim sweep SPEC --out {folder}` first)")
    with open(path, newline="") as f:
        text = f.read()
    if text and not text.endswith("\n"):  # a torn last line (power loss): ignore it
        text = text[: text.rfind("\n") + 1]
    reader = csv.DictReader(text.splitlines())
    columns = reader.fieldnames or []
    latest = OrderedDict()
    for row in reader:
        latest.pop(row["id"], None)
        latest[row["id"]] = row
    rows = [r for r in latest.values() if r.get("status") == "ok"]
    for cond in where:
        if "=" not in cond:
            fail(f"--where {cond}: expected VAR=VALUE")
        key, value = cond.split("=", 1)
        if key not in columns:
            fail(f"--where {cond}: no column '{key}' (columns: {', '.join(columns[:40])} ...)")
        rows = [r for r in rows if r[key] == value]
    if not rows:
        fail(f"{path}: no successful points{' match --where' if where else ''}")
    return rows, columns


def need(columns, name, what):
    if name not in columns:
        close = [c for c in columns if name.lower() in c.lower()][:8]
        fail(f"{what} {name}: no such column" + (f" (did you mean {', '.join(close)}?)" if close else ""))


def sort_key(value):
    v = number(value)
    return (0, v, "") if v is not None else (1, 0.0, value)


def values_of(rows, name):
    return sorted({r[name] for r in rows}, key=sort_key)


def save(fig, out):
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(f"{out}.{ext}", dpi=150)
        print(f"wrote {out}.{ext}")
    plt.close(fig)


def plot_xy(rows, columns, args):
    need(columns, args.x, "--x")
    need(columns, args.y, "--y")
    groups = defaultdict(list)
    if args.hue:
        need(columns, args.hue, "--hue")
    for r in rows:
        groups[r[args.hue] if args.hue else ""].append(r)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    numeric_x = all(number(r[args.x]) is not None for r in rows)
    categories = values_of(rows, args.x)
    for hue in sorted(groups, key=sort_key):
        pts = []
        for r in groups[hue]:
            y = number(r[args.y])
            if y is None:
                continue
            x = number(r[args.x]) if numeric_x else categories.index(r[args.x])
            pts.append((x, y))
        pts.sort()
        label = f"{args.hue}={hue}" if args.hue else None
        if args.scatter:
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], label=label, s=18)
        else:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=label)
    if not numeric_x:
        ax.set_xticks(range(len(categories)))
        ax.set_xticklabels(categories, rotation=30, ha="right")
    if args.logx:
        ax.set_xscale("log")
    if args.logy:
        ax.set_yscale("log")
    ax.set_xlabel(args.x)
    ax.set_ylabel(args.y)
    ax.grid(True, alpha=0.3)
    if args.hue:
        ax.legend(fontsize=8)
    ax.set_title(args.title or f"{args.y} vs {args.x}")
    return fig


def plot_heatmap(rows, columns, args):
    xname, yname = args.heatmap
    need(columns, xname, "--heatmap")
    need(columns, yname, "--heatmap")
    if not args.z:
        fail("--heatmap needs --z METRIC")
    need(columns, args.z, "--z")
    xs, ys = values_of(rows, xname), values_of(rows, yname)
    cells = defaultdict(list)
    for r in rows:
        z = number(r[args.z])
        if z is not None:
            cells[(r[xname], r[yname])].append(z)
    grid = [[(sum(cells[(x, y)]) / len(cells[(x, y)])) if cells[(x, y)] else float("nan") for x in xs] for y in ys]
    fig, ax = plt.subplots(figsize=(1.2 * len(xs) + 3, 0.6 * len(ys) + 2.5))
    image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(xs)))
    ax.set_xticklabels(xs, rotation=30, ha="right")
    ax.set_yticks(range(len(ys)))
    ax.set_yticklabels(ys)
    ax.set_xlabel(xname)
    ax.set_ylabel(yname)
    finite = [v for row in grid for v in row if not math.isnan(v)]
    mid = (min(finite) + max(finite)) / 2 if finite else 0
    for j, row in enumerate(grid):
        for i, v in enumerate(row):
            if not math.isnan(v):
                ax.text(i, j, f"{v:.4g}", ha="center", va="center", fontsize=7,
                        color="white" if v < mid else "black")
    fig.colorbar(image, ax=ax, label=args.z + (" (mean)" if any(len(c) > 1 for c in cells.values()) else ""))
    ax.set_title(args.title or f"{args.z} over {xname} x {yname}")
    return fig


def pareto_front(points, maximize):
    """Indices of the points no other point beats on both metrics."""
    sign = -1 if maximize else 1
    order = sorted(range(len(points)), key=lambda i: (sign * points[i][0], sign * points[i][1]))
    front, best_y = [], math.inf
    for i in order:
        y = sign * points[i][1]
        if y < best_y:
            front.append(i)
            best_y = y
    return front


def plot_pareto(rows, columns, args):
    mx, my = args.pareto
    need(columns, mx, "--pareto")
    need(columns, my, "--pareto")
    for name in args.label:
        need(columns, name, "--label")
    data = [(number(r[mx]), number(r[my]), r) for r in rows]
    data = [d for d in data if d[0] is not None and d[1] is not None]
    if not data:
        fail(f"--pareto: no point has numbers in both {mx} and {my}")
    front = pareto_front([(d[0], d[1]) for d in data], args.maximize)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.scatter([d[0] for d in data], [d[1] for d in data], s=16, color="0.6", label="points")
    fx = [data[i][0] for i in front]
    fy = [data[i][1] for i in front]
    ax.plot(fx, fy, color="C3", marker="o", label="Pareto front")
    labels = args.label or [c for c in columns[5:] if len(values_of(rows, c)) > 1 and number(rows[0][c]) is None][:2]
    for i in front:
        text = " ".join(f"{n}={data[i][2][n]}" for n in labels) or data[i][2]["id"]
        ax.annotate(text, (data[i][0], data[i][1]), textcoords="offset points", xytext=(5, 5), fontsize=7)
    if args.logx:
        ax.set_xscale("log")
    if args.logy:
        ax.set_yscale("log")
    ax.set_xlabel(mx)
    ax.set_ylabel(my)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    better = "larger" if args.maximize else "smaller"
    ax.set_title(args.title or f"Pareto front of {mx} and {my} ({better} is better)")
    return fig


def plot_roofline(rows, columns, args):
    for name in ("flops", "achieved_tflops", "peak_tflops", "hbm_peak_gbps", "bytes.hbm_read", "bytes.hbm_write"):
        need(columns, name, "--roofline (chip run results)")
    hue = args.hue
    if hue:
        need(columns, hue, "--hue")
    fig, ax = plt.subplots(figsize=(10, 4.5))
    groups = defaultdict(list)
    roofs = set()
    for r in rows:
        traffic = (number(r["bytes.hbm_read"]) or 0) + (number(r["bytes.hbm_write"]) or 0)
        flops, tflops = number(r["flops"]), number(r["achieved_tflops"])
        if not traffic or flops is None or tflops is None:
            continue
        groups[r[hue] if hue else ""].append((flops / traffic, tflops))
        roofs.add((number(r["peak_tflops"]), number(r["hbm_peak_gbps"])))
    if not groups:
        fail("--roofline: no point has FLOPs and HBM traffic")
    xs = [p[0] for pts in groups.values() for p in pts]
    lo, hi = min(xs) / 4, max(xs) * 4
    for k, (peak, gbps) in enumerate(sorted(roofs)):
        knee = peak * 1e12 / (gbps * 1e9)
        grid = [lo * (hi / lo) ** (i / 200) for i in range(201)]
        ax.plot(grid, [min(peak, x * gbps * 1e9 / 1e12) for x in grid], color="0.3", linewidth=1,
                linestyle="-" if k == 0 else "--", label=f"roof {peak:g} TFLOP/s, {gbps:g} GB/s (knee {knee:.0f})")
    for name in sorted(groups, key=sort_key):
        pts = groups[name]
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=18, label=f"{hue}={name}" if hue else "points")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("arithmetic intensity (FLOP per HBM byte)")
    ax.set_ylabel("achieved TFLOP/s")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_title(args.title or "Roofline")
    return fig


def check_columns(columns, args):
    """Reports a wrong column name before the slow matplotlib import."""
    if args.roofline:
        return
    names = []
    if args.heatmap:
        names += [("--heatmap", n) for n in args.heatmap] + ([("--z", args.z)] if args.z else [])
    elif args.pareto:
        names += [("--pareto", n) for n in args.pareto] + [("--label", n) for n in args.label]
    else:
        names += [("--x", args.x), ("--y", args.y)]
    if args.hue:
        names.append(("--hue", args.hue))
    for what, name in names:
        if name:
            need(columns, name, what)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("dir", help="sweep folder (the --out of npusim sweep)")
    p.add_argument("--x", help="variable on the x axis")
    p.add_argument("--y", help="metric on the y axis")
    p.add_argument("--hue", help="variable giving one line (or colour) per value")
    p.add_argument("--scatter", action="store_true", help="points instead of lines")
    p.add_argument("--heatmap", nargs=2, metavar=("XVAR", "YVAR"))
    p.add_argument("--z", help="metric of the heatmap cells")
    p.add_argument("--pareto", nargs=2, metavar=("METRIC1", "METRIC2"))
    p.add_argument("--maximize", action="store_true", help="Pareto: larger is better for both")
    p.add_argument("--label", nargs="*", default=[], help="Pareto: variables naming the front's points")
    p.add_argument("--roofline", action="store_true", help="roofline of chip-run points")
    p.add_argument("--where", action="append", default=[], metavar="VAR=VALUE")
    p.add_argument("--logx", action="store_true")
    p.add_argument("--logy", action="store_true")
    p.add_argument("--title")
    p.add_argument("-o", "--out", help="output path without extension (default DIR/plot-KIND)")
    args = p.parse_args()
    kinds = [bool(args.x or args.y), bool(args.heatmap), bool(args.pareto), args.roofline]
    if sum(kinds) != 1:
        fail("choose one plot: --x/--y, --heatmap, --pareto or --roofline")
    rows, columns = load_rows(args.dir, args.where)
    check_columns(columns, args)
    load_pyplot()
    if args.roofline:
        fig, kind = plot_roofline(rows, columns, args), "roofline"
    elif args.heatmap:
        fig, kind = plot_heatmap(rows, columns, args), "heatmap"
    elif args.pareto:
        fig, kind = plot_pareto(rows, columns, args), "pareto"
    else:
        if not (args.x and args.y):
            fail("a line plot needs both --x VAR and --y METRIC")
        fig, kind = plot_xy(rows, columns, args), "xy"
    save(fig, args.out or os.path.join(args.dir, f"plot-{kind}"))


if __name__ == "__main__":
    main()
