#!/usr/bin/env python3
"""bench/results_md.py: bench_gru's CSV (--csv) as the Markdown table of RESULTS.md.

    python3 bench/results_md.py build-bench/results/bench.csv > table.md

Columns: median ms of libgru and oneDNN, GFLOP/s and % of the FMA peak measured in the
same run, ratio = oneDNN ms / libgru ms (> 1: libgru faster), the paired ratio (the median
of oneDNN ms / libgru ms over repetitions run next to each other, when the CSV has it) and
the fastest repetition of each (steadier on a loaded machine); then the range of the
cross-core round trip measured before the multi-thread cases (rtt_ns), when the CSV has
it. Standard library only.
"""
import csv
import sys


def num(v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if f != f else f


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        rows = list(csv.DictReader(f))
    paired = bool(rows) and "paired_ratio" in rows[0]
    print("| shape | reset_after | mode | thr | libgru ms | oneDNN ms | ratio | "
          + ("paired ratio | " if paired else "")
          + "libgru GFLOP/s (% peak) | oneDNN GFLOP/s (% peak) | min ms libgru / oneDNN | "
          "maxdiff |")
    print("|---" * (12 if paired else 11) + "|")
    for r in rows:
        lg, dn = num(r["libgru_ms"]), num(r["onednn_ms"])
        gf, pk = num(r["gflop"]), num(r["peak_gflops"])

        def perf(ms):
            if ms is None:
                return "-"
            g = gf / (ms * 1e-3)
            return f"{g:.1f} ({100 * g / pk:.0f}%)" if pk else f"{g:.1f}"

        def ms_(v):
            return "-" if v is None else f"{v:.3f}"

        md = [x for x in (num(r["maxdiff"]), num(r["maxdiff_grad"])) if x is not None]
        ratio = f"**{dn / lg:.2f}**" if lg and dn else "-"
        if paired:
            pr = num(r["paired_ratio"])
            ratio += " | " + (f"{pr:.2f}" if pr is not None else "-")
        thr = r["threads"] if r["lg_threads"] in (r["threads"], "0") else \
            f'{r["threads"]} (libgru {r["lg_threads"]})'
        md_s = f"{max(md):.1e}" if md else "-"
        mins = f'{ms_(num(r["libgru_min_ms"]))} / {ms_(num(r["onednn_min_ms"]))}'
        variant = "TRUE" if r["reset_after"] == "1" else "FALSE"
        print(f'| {r["shape"]} | {variant} | {r["mode"]} | {thr} | {ms_(lg)} | {ms_(dn)} | '
              f'{ratio} | {perf(lg)} | {perf(dn)} | {mins} | {md_s} |')
    rtt = [x for x in (num(r.get("rtt_ns")) for r in rows) if x is not None]
    if rtt:
        print(f"\nCross-core round trip before the multi-thread cases: {min(rtt):.0f}-"
              f"{max(rtt):.0f} ns.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
