"""Coverage of the gurobipy/coptpy compatibility layer, measured against the real packages as the oracle.

Every gurobipy/coptpy program we have is run twice in the sandbox, once on the real package
(``commercial="real"``: gurobipy 13 / coptpy 8 with their size-limited licences) and once on optagent's compatibility
layer (``commercial="compat"``: HiGHS/SCIP), and the last captured solve of each run is compared:

* the reference programs of ``$OPTAGENT_DATA_DIR/train/*.jsonl`` whose ``reference_code_language`` is ``gurobipy``
  or ``coptpy`` (SIRL's gurobi examples, AlphaOPT's train splits, OR-Instruct);
* the ORLM completions recorded in ``$OPTAGENT_DATA_DIR/outputs/orlm/*/executed.jsonl`` (``to_run_script``).

Model programs are untrusted, the oracle runs included: both sides run through :class:`solvers.SandboxPool`.

The comparison rule (:func:`compare`), per program:

* the real side *ran OK* when its last solve ended decisively: optimal, feasible (a limit with an incumbent),
  infeasible, unbounded or infeasible-or-unbounded. Otherwise the program is not counted in the agreement: it is
  ``real_size_limited`` (the free licence refused the model: Gurobi's error 10010, COPT's licence messages),
  ``both_fail_alike`` (no decisive solve on either side, and both ended with the same outcome and exception type:
  a syntax error in an ORLM completion, an exception the program raises itself), or ``real_failed``;
* a program the real side ran OK *agrees* when the compat run ended the same way (same outcome, and the same
  exception type where both raised), its last solve has the same status, and, where the status carries a
  solution, the same objective: ``|a - b| <= 1e-6 * max(1, |a|, |b|)``. "Infeasible or unbounded" matches
  "infeasible" and "unbounded" (it is how Gurobi reports either when presolve cannot tell them apart); these
  matches are counted separately (``status_inf_or_unbd``);
* otherwise the compat side is blamed: ``compat_unsupported`` when its error or output holds the compat layer's
  ``unsupported: <call>`` message (grouped by call), ``compat_crash`` when it crashed or ended differently
  (grouped by exception type and first line), else ``status_differs`` or ``objective_differs``, or
  ``outcome_differs`` (the compat run ended normally where the real one raised).

Usage::

    .venv/bin/python scripts/compat_coverage.py [--workers 2] [--time-limit 60] [--limit N] [--source NAME ...]
        [--json OUT.json] [--markdown OUT.md] [--cache runs.jsonl] [--only-side real|compat]

``--cache`` makes the run resumable: each finished run is appended to the file, and runs already there are reused
(delete the file, or the compat lines of it, after changing the compat layer). ``--only-side`` runs one side into
the cache without comparing.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solvers import CodeRun, ModelProgram, SandboxPool, SandboxSettings  # noqa: E402

SIDES = ("real", "compat")
LANGUAGES = ("gurobipy", "coptpy")
DECISIVE = frozenset({"optimal", "feasible", "infeasible", "unbounded", "infeasible_or_unbounded"})
"""Terminations under which the real run counts as having run OK."""
WITH_SOLUTION = frozenset({"optimal", "feasible"})
_INF_OR_UNBD = frozenset({"infeasible", "unbounded", "infeasible_or_unbounded"})
REL_TOL = 1e-6

_UNSUPPORTED = re.compile(r"unsupported: ([^\n]+)")
_SIZE_LIMIT = re.compile(r"size-limited license|exceeding the size limit|\(LICENSE\)")
"""Gurobi's error 10010 ("Model too large for size-limited license"); COPT's "The problem has N variables, exceeding
the size limit of 2000" and ``CoptError: 4, (LICENSE) Fail to solve problem``. Not COPT's banner ("No license
found. Starting COPT with size limitations"), which every run prints."""
_EXC_LINE = re.compile(r"^([A-Za-z_][\w.]*)(?::\s?(.*))?$")
_EXC_NAME = re.compile(r"(Error|Exception|Exit|Interrupt|Iteration|Warning)$")

VERDICTS = (
    "agree",
    "status_differs",
    "objective_differs",
    "outcome_differs",
    "compat_unsupported",
    "compat_crash",
    "real_size_limited",
    "both_fail_alike",
    "real_failed",
)
REAL_NOT_OK = frozenset({"real_size_limited", "both_fail_alike", "real_failed"})


@dataclass(frozen=True)
class Program:
    """One program to run on both sides."""

    source: str
    id: str
    code: str


# -- loading -----------------------------------------------------------------------------------------------------


def default_data_dir() -> Path:
    """``$OPTAGENT_DATA_DIR``, else ``../shared/benchmarks`` beside the checkout."""
    return Path(os.environ.get("OPTAGENT_DATA_DIR") or ROOT.parent / "shared" / "benchmarks")


def load_programs(data_dir: Path) -> list[Program]:
    """Every gurobipy/coptpy program of the data folder, sources in a stable order."""
    programs: list[Program] = []
    for path in sorted((data_dir / "train").glob("*.jsonl")):
        for index, row in enumerate(_jsonl(path)):
            code = row.get("reference_code")
            if row.get("reference_code_language") in LANGUAGES and isinstance(code, str) and code.strip():
                programs.append(Program(path.stem, str(row.get("id") or f"{path.stem}-{index + 1:04d}"), code))
    for path in sorted((data_dir / "outputs" / "orlm").glob("*/executed.jsonl")):
        source = "orlm_" + path.parent.name.split(".q2mc")[0]
        for index, row in enumerate(_jsonl(path)):
            code = row.get("to_run_script")
            if isinstance(code, str) and code.strip():
                programs.append(Program(source, f"{source}-{index + 1:04d}", code))
    return programs


def _jsonl(path: Path) -> Iterable[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                if isinstance(row, dict):
                    yield row


def select(programs: Sequence[Program], sources: Sequence[str], limit: int | None) -> list[Program]:
    """Programs of the named sources (substring match; all when none named), at most ``limit`` per source."""
    chosen: list[Program] = []
    per_source: Counter[str] = Counter()
    for program in programs:
        if sources and not any(s in program.source for s in sources):
            continue
        if limit is not None and per_source[program.source] >= limit:
            continue
        per_source[program.source] += 1
        chosen.append(program)
    return chosen


# -- one run, summarized -----------------------------------------------------------------------------------------


def exception_of(error: str) -> tuple[str, str]:
    """The exception type (its last dotted part) and message of a traceback's last line.

    ``("", line)`` when the last line names no exception (a timeout, an exit status), ``("", "")`` for no error.
    """
    lines = [line.strip() for line in error.strip().splitlines() if line.strip()]
    if not lines:
        return "", ""
    match = _EXC_LINE.match(lines[-1])
    if match and (match.group(2) is not None or _EXC_NAME.search(match.group(1))):
        return match.group(1).rsplit(".", 1)[-1], (match.group(2) or "").strip()
    return "", lines[-1]


def unsupported_call(*texts: str) -> str | None:
    """The call named by the compat layer's first ``unsupported: <call>`` message, or None."""
    for text in texts:
        match = _UNSUPPORTED.search(text or "")
        if match:
            call = match.group(1).strip()
            call = re.split(r"\s+\(|;|\. ", call, maxsplit=1)[0].strip().rstrip(".")
            return call[:100]
    return None


def summarize(run: CodeRun) -> dict[str, Any]:
    """What the comparison needs from one run, as plain JSON (kept in the cache and the JSON report)."""
    last = run.result
    exc_type, first_line = exception_of(run.error)
    termination = last.termination.value if last is not None else None
    objective = last.objective_value if last is not None and termination in WITH_SOLUTION else None
    text = "\n".join((run.error, run.stderr[-4000:], run.stdout[-4000:]))
    return {
        "outcome": run.outcome.value,
        "termination": termination,
        "objective": objective,
        "solves": len(run.solves),
        "solver": last.solver if last is not None else None,
        "exception": exc_type,
        "message": first_line[:300],
        "unsupported": unsupported_call(run.error, run.stderr[-4000:], run.stdout[-4000:]),
        "size_limited": bool(_SIZE_LIMIT.search(text)),
        "wall_s": round(run.wall_time_s, 4),
        "notes": list(last.notes) if last is not None else [],
    }


# -- the comparison ----------------------------------------------------------------------------------------------


def same_objective(a: float | None, b: float | None, rel_tol: float = REL_TOL) -> bool:
    """``|a - b| <= rel_tol * max(1, |a|, |b|)``; two missing objectives agree, one missing does not."""
    if a is None or b is None:
        return a is None and b is None
    if not (math.isfinite(a) and math.isfinite(b)):
        return a == b
    return abs(a - b) <= rel_tol * max(1.0, abs(a), abs(b))


def status_match(a: str | None, b: str | None) -> str | None:
    """``"same"``, ``"inf_or_unbd"`` (one side infeasible-or-unbounded, the other one of the two), or None."""
    if a == b:
        return "same"
    if a in _INF_OR_UNBD and b in _INF_OR_UNBD and "infeasible_or_unbounded" in (a, b):
        return "inf_or_unbd"
    return None


def compare(real: dict[str, Any], compat: dict[str, Any]) -> tuple[str, str]:
    """The verdict for one program (one of :data:`VERDICTS`) and the key it is grouped by in the report."""
    real_ok = real["solves"] > 0 and real["termination"] in DECISIVE
    if not real_ok:
        if real["size_limited"]:
            return "real_size_limited", real["message"][:120] or real["exception"]
        compat_ok = compat["solves"] > 0 and compat["termination"] in DECISIVE
        if not compat_ok and real["outcome"] == compat["outcome"] and real["exception"] == compat["exception"]:
            return "both_fail_alike", f"{real['outcome']}: {real['exception'] or '-'}"
        return "real_failed", f"{real['outcome']}: {real['exception'] or real['termination'] or '-'}"
    ended_alike = compat["outcome"] == real["outcome"] and compat["exception"] == real["exception"]
    if compat["solves"] == 0 or not ended_alike:
        if compat["unsupported"]:
            return "compat_unsupported", compat["unsupported"]
        if compat["outcome"] != "ok" or compat["solves"] == 0:
            detail = f"{compat['exception']}: {compat['message']}" if compat["exception"] else compat["message"]
            return "compat_crash", f"{compat['outcome']}: {detail[:160]}"
        return "outcome_differs", f"real {real['outcome']} {real['exception']}".strip()
    if status_match(real["termination"], compat["termination"]) is None:
        if compat["unsupported"]:
            return "compat_unsupported", compat["unsupported"]
        return "status_differs", f"{real['termination']} vs {compat['termination']}"
    if real["termination"] in WITH_SOLUTION and not same_objective(real["objective"], compat["objective"]):
        if compat["unsupported"]:
            return "compat_unsupported", compat["unsupported"]
        return "objective_differs", f"{real['objective']} vs {compat['objective']}"
    return "agree", status_match(real["termination"], compat["termination"]) or "same"


def tally(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Counts of one group of compared programs (a source, or all of them)."""
    verdicts = Counter(row["verdict"] for row in rows)
    real_ok = sum(1 for row in rows if row["verdict"] not in REAL_NOT_OK)
    same_status = sum(1 for row in rows if row["verdict"] in ("agree", "objective_differs"))
    agree = verdicts["agree"]
    return {
        "programs": len(rows),
        "real_ok": real_ok,
        "same_status": same_status,
        "same_objective": agree,
        "status_inf_or_unbd": sum(1 for row in rows if row["verdict"] == "agree" and row["key"] == "inf_or_unbd"),
        "agreement_pct": round(100.0 * agree / real_ok, 2) if real_ok else None,
        "verdicts": {v: verdicts[v] for v in VERDICTS if verdicts[v]},
        "real_wall_s": round(sum(row["real"]["wall_s"] for row in rows), 1),
        "compat_wall_s": round(sum(row["compat"]["wall_s"] for row in rows), 1),
    }


# -- running -----------------------------------------------------------------------------------------------------


def _settings(side: str, args: argparse.Namespace) -> SandboxSettings:
    return SandboxSettings.from_env(
        workers=args.workers,
        time_limit_s=args.time_limit,
        commercial=side,
        certify=args.certify,
        export_instances=args.certify,
    )


def _load_cache(path: Path | None) -> dict[tuple[str, str], dict[str, Any]]:
    cache: dict[tuple[str, str], dict[str, Any]] = {}
    if path is None or not path.exists():
        return cache
    for row in _jsonl(path):
        if row.get("side") in SIDES and isinstance(row.get("summary"), dict):
            cache[(str(row["side"]), str(row["key"]))] = row["summary"]
    return cache


def run_all(programs: Sequence[Program], args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, float]]:
    """Run every program on both sides (in chunks, both pools warm), reusing and extending the cache."""
    cache_path = Path(args.cache) if args.cache else None
    cache = _load_cache(cache_path)
    sides = (args.only_side,) if args.only_side else SIDES
    elapsed = dict.fromkeys(SIDES, 0.0)
    pools = {side: SandboxPool(_settings(side, args)) for side in sides}
    chunk = max(1, args.workers) * 16
    done = 0
    try:
        for start in range(0, len(programs), chunk):
            batch = programs[start : start + chunk]
            for side in sides:
                todo = [p for p in batch if (side, f"{p.source}/{p.id}") not in cache]
                if not todo:
                    continue
                began = time.perf_counter()
                runs = pools[side].run_many(
                    [ModelProgram.from_source(p.code) for p in todo], time_limit_s=args.time_limit
                )
                elapsed[side] += time.perf_counter() - began
                lines = []
                for program, run in zip(todo, runs, strict=True):
                    key = f"{program.source}/{program.id}"
                    cache[(side, key)] = summarize(run)
                    lines.append(json.dumps({"side": side, "key": key, "summary": cache[(side, key)]}))
                if cache_path is not None:
                    with cache_path.open("a", encoding="utf-8") as handle:
                        handle.write("\n".join(lines) + "\n")
            done += len(batch)
            print(f"  {done}/{len(programs)} programs", file=sys.stderr, flush=True)
    finally:
        for pool in pools.values():
            pool.close()
    results = {f"{side}/{key}": summary for (side, key), summary in cache.items()}
    return results, elapsed


def build_report(programs: Sequence[Program], results: dict[str, Any], elapsed: dict[str, float]) -> dict[str, Any]:
    """Compare both sides of every program and group the results by source."""
    rows: list[dict[str, Any]] = []
    for program in programs:
        key = f"{program.source}/{program.id}"
        real, compat = results[f"real/{key}"], results[f"compat/{key}"]
        verdict, group = compare(real, compat)
        rows.append(
            {
                "source": program.source,
                "id": program.id,
                "verdict": verdict,
                "key": group,
                "real": real,
                "compat": compat,
            }
        )
    by_source: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_source[row["source"]].append(row)
    groups: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        if row["verdict"] != "agree":
            groups[row["verdict"]][row["key"]].append(row["id"])
    return {
        "rule": "same status (infeasible_or_unbounded matches infeasible/unbounded) and, with a solution, "
        "|a-b| <= 1e-6*max(1,|a|,|b|); counted over programs whose real run ended decisively",
        "sources": {source: tally(group) for source, group in by_source.items()},
        "total": tally(rows),
        "elapsed_s": {side: round(value, 1) for side, value in elapsed.items()},
        "groups": {verdict: dict(keys) for verdict, keys in groups.items()},
        "programs": rows,
    }


def markdown(report: dict[str, Any]) -> str:
    """The report as Markdown tables, ready for the docs."""
    head = (
        "| source | programs | real ran OK | same status | same objective | agreement | compat unsupported | "
        "compat crashes | other differences | real: size-limited licence | real failed | both fail alike | "
        "real time (s) | compat time (s) |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    lines = [head]
    for name, t in [*sorted(report["sources"].items()), ("**total**", report["total"])]:
        v = t["verdicts"]
        other = v.get("status_differs", 0) + v.get("objective_differs", 0) + v.get("outcome_differs", 0)
        pct = "-" if t["agreement_pct"] is None else f"{t['agreement_pct']:.1f}%"
        lines.append(
            f"| {name} | {t['programs']} | {t['real_ok']} | {t['same_status']} | {t['same_objective']} | {pct} | "
            f"{v.get('compat_unsupported', 0)} | {v.get('compat_crash', 0)} | {other} | "
            f"{v.get('real_size_limited', 0)} | {v.get('real_failed', 0)} | {v.get('both_fail_alike', 0)} | "
            f"{t['real_wall_s']} | {t['compat_wall_s']} |"
        )
    lines.append("")
    lines.append(
        f"Wall-clock of this invocation: real {report['elapsed_s'].get('real', 0)} s, "
        f"compat {report['elapsed_s'].get('compat', 0)} s (runs reused from --cache cost nothing here); the time "
        "columns above are the sums of the per-program run times in the sandbox."
    )
    lines.append("")
    lines.append(f"Rule: {report['rule']}.")
    titles = {
        "compat_unsupported": "Compat failures by missing API",
        "compat_crash": "Other compat crashes",
        "status_differs": "Status differs",
        "objective_differs": "Objective differs",
        "outcome_differs": "Outcome differs",
        "real_size_limited": "Real side: size-limited licence",
        "real_failed": "Real side failed (not counted)",
        "both_fail_alike": "Both sides fail alike (not counted)",
    }
    for verdict, title in titles.items():
        keys = report["groups"].get(verdict)
        if not keys:
            continue
        lines += ["", f"### {title}", "", "| count | key | examples |", "|---:|---|---|"]
        for key, ids in sorted(keys.items(), key=lambda item: (-len(item[1]), item[0])):
            cell = key.replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {len(ids)} | {cell} | {', '.join(ids[:3])} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="benchmark data (default: $OPTAGENT_DATA_DIR)")
    parser.add_argument("--limit", type=int, default=None, help="at most N programs per source")
    parser.add_argument("--source", action="append", default=[], help="only sources whose name contains this")
    parser.add_argument("--workers", type=int, default=2, help="sandbox workers per side (default 2)")
    parser.add_argument("--time-limit", type=float, default=60.0, help="wall-clock limit of one run (default 60 s)")
    parser.add_argument("--certify", action="store_true", help="export and certify instances (slower; off by default)")
    parser.add_argument("--cache", help="JSONL file of finished runs: reused and extended (makes the run resumable)")
    parser.add_argument(
        "--only-side", choices=SIDES, help="run one side only, to fill --cache (e.g. the real side before compat lands)"
    )
    parser.add_argument("--json", dest="json_out", help="write the full report (every program) as JSON")
    parser.add_argument("--markdown", dest="markdown_out", help="write the tables as Markdown")
    args = parser.parse_args(argv)
    data_dir = args.data_dir or default_data_dir()
    programs = select(load_programs(data_dir), args.source, args.limit)
    if not programs:
        print(f"no gurobipy/coptpy programs found under {data_dir}", file=sys.stderr)
        return 2
    print(f"{len(programs)} programs from {data_dir}", file=sys.stderr)
    if args.only_side and not args.cache:
        parser.error("--only-side needs --cache (its runs are only kept there)")
    results, elapsed = run_all(programs, args)
    if args.only_side:
        outcomes = Counter(
            f"{r['outcome']}/{r['termination']}" for key, r in results.items() if key.startswith(args.only_side + "/")
        )
        print(f"{args.only_side} side: {dict(outcomes.most_common())} ({elapsed[args.only_side]:.1f} s)")
        return 0
    report = build_report(programs, results, elapsed)
    text = markdown(report)
    print(text)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    if args.markdown_out:
        Path(args.markdown_out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
