"""Agent overhead benchmark: what the agent itself costs per problem, with the LLM's time taken out.

The mock backend answers instantly with a formulation and a known-good model program, so what is measured is the
agent's own work: prompt building, the LangGraph graph, response parsing, the sandboxed run (capture, instance
export, certification) and the solver-informed checks, and the vote.

Problems: the first N problems of a benchmark suite (default ``nl4opt``, read from ``$OPTAGENT_DATA_DIR/suites``,
by default ``../shared/benchmarks`` beside the checkout). Programs: the known-good typical programs of
``scripts/executor_programs.py`` (one per problem, a mix of Pyomo, highspy, CVXPY, OR-Tools and PySCIPOpt). They are
not the problems' own models, which does not matter for overhead: every step runs the same way. Repairs are off,
so each problem is one formulation call, one program call, one sandboxed run and its checks.

Usage: ``.venv/bin/python scripts/bench_agent_overhead.py [--problems 50] [--suite nl4opt] [--json out.json]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from executor_programs import typical_programs  # noqa: E402

from agent.checks import Diagnoser  # noqa: E402
from agent.graph import AgentContext, solve  # noqa: E402
from agent.llm import MockLLM  # noqa: E402
from agent.types import AgentStatus, Problem  # noqa: E402
from solvers import SandboxPool, SandboxSettings  # noqa: E402

FORMULATION = """## Sets
- products
## Parameters
- profit, usage, capacity
## Decision variables
- x[p] >= 0 for each product
## Objective
- maximize total profit
## Constraints
- capacity: usage . x <= capacity
"""


def load_problems(suite: str, count: int) -> list[str]:
    data_dir = Path(os.environ.get("OPTAGENT_DATA_DIR") or ROOT.parent / "shared" / "benchmarks")
    path = data_dir / "suites" / f"{suite}.jsonl"
    if not path.exists():
        raise SystemExit(f"no suite file at {path}: set OPTAGENT_DATA_DIR to the benchmark data folder")
    problems = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            problems.append(json.loads(line)["question"])
            if len(problems) == count:
                break
    return problems


async def run_all(problems: list[str], sources: list[str], pool: SandboxPool, concurrency: int) -> list[float]:
    programs = dict(zip(problems, sources, strict=True))
    gate = asyncio.Semaphore(concurrency)
    seconds: list[float] = []
    statuses: list[AgentStatus] = []

    async def one(text: str) -> None:
        async with gate:
            # One scripted backend per problem: the first request is the formulation, the second the program.
            replies = iter([FORMULATION, f"```python\n{programs[text]}\n```"])
            llm = MockLLM(lambda _request: next(replies))
            context = AgentContext(llm=llm, executor=pool, max_repairs=0, diagnoser=Diagnoser(pool))
            started = time.perf_counter()
            result = await solve(Problem(text=text), context)
            seconds.append(time.perf_counter() - started)
            statuses.append(result.status)

    await asyncio.gather(*(one(text) for text in problems))
    solved = sum(1 for s in statuses if s is AgentStatus.SOLVED)
    print(f"  solved {solved}/{len(problems)} (checks may reject a program that does not fit its problem's wording)")
    return seconds


def summarize(seconds: list[float], wall: float) -> dict[str, Any]:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {
        "problems": len(seconds),
        "p50_s": round(statistics.median(ordered), 4),
        "p95_s": round(p95, 4),
        "mean_s": round(statistics.fmean(ordered), 4),
        "wall_s": round(wall, 3),
        "problems_per_s": round(len(seconds) / wall, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--problems", type=int, default=50)
    parser.add_argument("--suite", default="nl4opt")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args()

    problems = load_problems(args.suite, args.problems)
    sources = [source for _, source in typical_programs(len(problems))]
    report: dict[str, Any] = {"suite": args.suite, "workers": args.workers, "cpus": os.cpu_count()}
    with SandboxPool(SandboxSettings.from_env(workers=args.workers)) as pool:
        asyncio.run(run_all(problems[:2], sources[:2], pool, 1))  # warm-up: imports, first graph compile
        for concurrency in (1, 8):
            print(f"concurrency {concurrency}:")
            started = time.perf_counter()
            seconds = asyncio.run(run_all(problems, sources, pool, concurrency))
            numbers = summarize(seconds, time.perf_counter() - started)
            report[f"concurrency_{concurrency}"] = numbers
            print(
                f"  p50 {numbers['p50_s']:.3f} s, p95 {numbers['p95_s']:.3f} s per problem; "
                f"{numbers['problems_per_s']:.2f} problems/s ({numbers['wall_s']:.2f} s for {numbers['problems']})"
            )
    target_met = report["concurrency_1"]["p50_s"] < 0.5
    print(f"target p50 < 0.5 s at concurrency 1: {'met' if target_met else 'NOT met'}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0 if target_met else 1


if __name__ == "__main__":
    sys.exit(main())
