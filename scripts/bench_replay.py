"""Replay benchmark: time the full replay of ORLM's 556 recorded programs (re-execution included).

The target (issue #5, part 6): re-scoring and re-executing all of ``outputs/orlm/*/executed.jsonl`` completes in
under 3 minutes on a 2-core machine, with one sandbox worker per core and the default per-program time limit.
This script measures exactly what ``optagent bench replay <data>/outputs/orlm`` does — reading, code extraction,
sandboxed execution of every ``to_run_script`` (coptpy on the compat layer), scoring under orlm and strict, the
disagreement classification and writing the run directory — and prints the per-file numbers with the timings.

Usage: ``.venv/bin/python scripts/bench_replay.py [--data DIR] [--workers N] [--time-limit S] [--commercial real]
[--baseline] [--out RUN_DIR] [--json out.json]`` (``--data`` defaults to ``$OPTAGENT_DATA_DIR``, else
``../shared/benchmarks`` beside the checkout). ``--baseline`` then replays the same programs on the real coptpy
(ORLM's own solver, size-limited licence) in the same sandbox pool settings, in this process, and prints both
timings side by side. Exit status 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.replay import (  # noqa: E402
    DEFAULT_TIME_LIMIT_S,
    ReplayOptions,
    render_summary,
    replay,
    write_run_dir,
)

TARGET_S = 180.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_data = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
    parser.add_argument("--data", default=os.environ.get("OPTAGENT_DATA_DIR") or str(default_data))
    parser.add_argument("--workers", type=int, default=0, help="sandbox workers (default: one per core)")
    parser.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT_S)
    parser.add_argument("--commercial", default="compat", choices=["compat", "real"])
    parser.add_argument("--out", help="run directory (default: a temporary one)")
    parser.add_argument("--json", help="write the measurements to this file")
    parser.add_argument(
        "--baseline", action="store_true", help="also replay on the real coptpy (ORLM's solver) and compare timings"
    )
    args = parser.parse_args()

    orlm = Path(args.data) / "outputs" / "orlm"
    if not orlm.is_dir():
        print(f"no recorded ORLM outputs under {orlm}", file=sys.stderr)
        return 2
    os.environ.setdefault("OPTAGENT_DATA_DIR", args.data)
    options = ReplayOptions(workers=args.workers, time_limit_s=args.time_limit, commercial=args.commercial)
    started = time.perf_counter()
    result = replay([orlm], options, progress=lambda line: print(f"[replay] {line}", file=sys.stderr))
    out = args.out or tempfile.mkdtemp(prefix="bench-replay-")
    write_run_dir(result, out)
    total = time.perf_counter() - started

    print(render_summary(result))
    causes = Counter(d.cause.value for d in result.disagreements)
    print("disagreements by cause: " + (", ".join(f"{c} {n}" for c, n in causes.most_common()) or "none"))
    programs = sum(f.executed for f in result.files)
    workers = result.spec.parameters.get("workers")
    print(
        f"\n{programs} programs on {workers} workers ({os.cpu_count()} cores), time limit {args.time_limit:g} s, "
        f"commercial={args.commercial}"
    )
    print(f"re-execution   {result.exec_s:7.1f} s  ({result.exec_s / max(programs, 1) * 1000:.0f} ms per program)")
    print(f"whole replay   {total:7.1f} s  (target < {TARGET_S:.0f} s: {'PASS' if total < TARGET_S else 'FAIL'})")
    print(f"run directory  {out}")
    if args.baseline:
        base_options = ReplayOptions(workers=args.workers, time_limit_s=args.time_limit, commercial="real")
        base_started = time.perf_counter()
        base = replay([orlm], base_options, progress=lambda line: print(f"[baseline] {line}", file=sys.stderr))
        base_total = time.perf_counter() - base_started
        print("\nbaseline: the same replay with the real coptpy in the sandbox")
        print(render_summary(base))
        print(f"{'':14} {'compat':>9} {'real coptpy':>12}")
        print(f"{'re-execution':14} {result.exec_s:8.1f}s {base.exec_s:11.1f}s")
        print(f"{'whole replay':14} {total:8.1f}s {base_total:11.1f}s")
    if args.json:
        data = result.to_dict()
        data["total_s"] = round(total, 3)
        data["programs"] = programs
        data["cores"] = os.cpu_count()
        Path(args.json).write_text(json.dumps(data, indent=2), encoding="utf-8")
    return 0 if total < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
