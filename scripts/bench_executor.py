"""Executor benchmark: the naive per-program subprocess of the published systems vs optagent's warm sandbox pool.

Both run the same fixed set of typical small model programs (``scripts/executor_programs.py``), in one process,
side by side, with the same concurrency:

(a) naive: ``subprocess.run([python, "-c", code], timeout=...)`` per program, no isolation, the objective parsed
    from what the program prints (what SIRL/ORLM-style evaluators do);
(b) pool: :class:`solvers.SandboxPool` with isolation on (bubblewrap or namespaces, uid drop, rlimits, audit hook),
    solve capture, instance export and HiGHS certification of every linear/quadratic solve.

Usage: ``.venv/bin/python scripts/bench_executor.py [--programs 60] [--concurrency 2] [--json out.json]``
(``OPTAGENT_SANDBOX_ISOLATION=namespaces`` measures the fallback without bubblewrap.)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import psutil  # noqa: E402
from executor_programs import typical_programs  # noqa: E402

from solvers import RunOutcome, SandboxPool, SandboxSettings  # noqa: E402

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def last_number(text: str) -> float | None:
    """The objective as a naive evaluator reads it: the last number the program printed."""
    numbers = _NUMBER.findall(text)
    return float(numbers[-1]) if numbers else None


def run_naive(programs: list[tuple[str, str]], concurrency: int, timeout: float) -> tuple[float, list[Any]]:
    def one(item: tuple[str, str]) -> float | None:
        try:
            done = subprocess.run(
                [sys.executable, "-c", item[1]], capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            return None
        return last_number(done.stdout) if done.returncode == 0 else None

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as runner:
        results = list(runner.map(one, programs))
    return time.perf_counter() - started, results


class PeakMemory:
    """Samples each worker's memory while the pool runs: the worker, its zygote and the run in flight.

    Proportional set size (PSS) splits each shared page among the processes that map it, so the pages a run
    shares copy-on-write with its worker are counted once, not once per process.
    """

    def __init__(self, root_pids: list[int]) -> None:
        self.roots = root_pids
        self.peak_pss: dict[int, float] = {}
        self.peak_rss: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self, root_pid: int) -> tuple[float, float]:
        try:
            tree = [psutil.Process(root_pid), *psutil.Process(root_pid).children(recursive=True)]
        except psutil.Error:
            return 0.0, 0.0
        pss = rss = 0.0
        for proc in tree:
            if "python" not in (proc.name() or ""):
                continue  # bubblewrap's own process
            try:
                info = proc.memory_full_info()
            except psutil.Error:
                continue
            pss += info.pss / 2**20
            rss = max(rss, info.rss / 2**20)
        return pss, rss

    def _loop(self) -> None:
        while not self._stop.is_set():
            for slot, pid in enumerate(self.roots):
                pss, rss = self._sample(pid)
                self.peak_pss[slot] = max(self.peak_pss.get(slot, 0.0), pss)
                self.peak_rss[slot] = max(self.peak_rss.get(slot, 0.0), rss)
            self._stop.wait(0.05)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--programs", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args()

    programs = typical_programs(args.programs, seed=args.seed)
    by_dialect: dict[str, int] = {}
    for name, _ in programs:
        kind = name.rsplit("_", 1)[-1]
        by_dialect[kind] = by_dialect.get(kind, 0) + 1

    naive_s, naive = run_naive(programs, args.concurrency, args.timeout)

    settings = SandboxSettings.from_env(workers=args.concurrency, time_limit_s=args.timeout)
    pool = SandboxPool(settings)
    started = time.perf_counter()
    pool.start()
    startup_s = time.perf_counter() - started
    try:
        with PeakMemory(pool.worker_pids()) as memory:
            started = time.perf_counter()
            runs = pool.run_many([source for _, source in programs])
            pool_s = time.perf_counter() - started
        mode = pool.mode
        isolation = runs[0].isolation
    finally:
        pool.close()

    compared = agreed = 0
    mismatches = []
    for (name, _), expected, run in zip(programs, naive, runs, strict=True):
        if expected is None:
            continue
        compared += 1
        got = run.result.objective_value if run.result is not None else None
        if got is not None and math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-6):
            agreed += 1
        else:
            mismatches.append({"program": name, "naive": expected, "pool": got, "outcome": run.outcome.value})
    certified = sum(
        1
        for r in runs
        if r.result is not None and r.result.certification is not None and r.result.certification.certified
    )
    child_rss = [r.max_rss_mb for r in runs if r.max_rss_mb is not None]
    report = {
        "programs": len(programs),
        "by_dialect": by_dialect,
        "concurrency": args.concurrency,
        "naive_seconds": round(naive_s, 3),
        "naive_programs_per_s": round(len(programs) / naive_s, 2),
        "naive_succeeded": sum(1 for v in naive if v is not None),
        "pool_startup_seconds": round(startup_s, 3),
        "pool_seconds": round(pool_s, 3),
        "pool_programs_per_s": round(len(programs) / pool_s, 2),
        "speedup": round(naive_s / pool_s, 2),
        "speedup_including_startup": round(naive_s / (pool_s + startup_s), 2),
        "pool_ok": sum(1 for r in runs if r.outcome is RunOutcome.OK),
        "pool_certified": certified,
        "objectives_compared": compared,
        "objectives_identical": agreed,
        "mismatches": mismatches,
        "isolation": mode,
        "network_isolated": bool(isolation and isolation.network_isolated),
        "uid": isolation.uid if isolation else None,
        "peak_worker_pss_mb": {str(k): round(v, 1) for k, v in sorted(memory.peak_pss.items())},
        "peak_worker_rss_mb": {str(k): round(v, 1) for k, v in sorted(memory.peak_rss.items())},
        "peak_run_rss_mb": round(max(child_rss), 1) if child_rss else None,
        "cpus": os.cpu_count(),
    }
    print(f"programs            {report['programs']} ({', '.join(f'{k} {v}' for k, v in sorted(by_dialect.items()))})")
    print(f"naive subprocess    {naive_s:7.2f} s  {report['naive_programs_per_s']:7.2f} programs/s")
    print(
        f"sandbox pool        {pool_s:7.2f} s  {report['pool_programs_per_s']:7.2f} programs/s "
        f"(isolation {mode}, startup {startup_s:.2f} s once)"
    )
    print(f"ratio               {report['speedup']:.2f}x  ({report['speedup_including_startup']:.2f}x with startup)")
    print(f"objectives          {agreed}/{compared} identical to the naive run where it succeeded")
    print(f"certified           {certified}/{len(runs)}")
    print(
        "peak per worker     "
        + ", ".join(
            f"PSS {memory.peak_pss[k]:.0f} MiB (largest process RSS {memory.peak_rss[k]:.0f} MiB)"
            for k in sorted(memory.peak_pss)
        )
        + f"; peak RSS of one run {report['peak_run_rss_mb']} MiB"
    )
    if mismatches:
        print("mismatches:", json.dumps(mismatches, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0 if agreed == compared else 1


if __name__ == "__main__":
    sys.exit(main())
