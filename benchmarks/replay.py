"""Replay: re-score and re-execute model outputs that other systems recorded, and explain every difference.

A published accuracy is a claim about three things at once: what the model wrote, how the program ran, and how the
result was judged. Replay separates them. For each recorded file it reports

1. the authors' **recorded** results judged by their own rule (ORLM: round to integers, 5 %) — this must reproduce
   the published number exactly, or our reading of their data is wrong;
2. the same recorded results under the **strict** rule (``|p-g|/(|g|+1) <= 1e-6``), which is comparable across
   papers;
3. our **re-execution** of the same programs in the sandbox on open-source solvers (``coptpy``/``gurobipy``
   programs run on optagent's compatibility layer), judged from the captured solve under both rules, with every
   item where the recorded and the re-executed outcome differ listed with its cause (:class:`Cause`).

Files of plain completions (SIRL tags, ORLM markdown, LLMOPT, AlphaOPT, fenced code, OpenAI Batch output; see
:mod:`benchmarks.recorded`) have no recorded run: their programs are extracted with :mod:`agent.parsing`, executed
and scored under the chosen preset and strict.

The result is a run directory like a benchmark run's (``spec.json`` of kind ``replay``, ``records.jsonl``), so
``optagent bench report`` reads it; each record carries its named scores in ``extras["scores"]``
(``recorded/orlm``, ``recorded/strict``, ``reexec/orlm``, ``reexec/strict``, ...) and the disagreement in
``extras["disagreement"]``. ``disagreements.md`` and ``summary.md`` are written next to them.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import json
import math
import os
import re
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from benchmarks.provenance import git_revision, package_versions
from benchmarks.recorded import (
    RecordedExecution,
    RecordedFile,
    RecordedItem,
    RecordFormat,
    RecordsError,
    anchor_first_block,
    default_label,
    find_record_files,
    load_recorded,
)
from benchmarks.types import (
    AnswerStatus,
    Item,
    ItemRecord,
    Prediction,
    PredictionStatus,
    RunSpec,
    SampleRecord,
    Score,
)

if TYPE_CHECKING:
    from solvers import CodeRun, SandboxPool

__all__ = [
    "DEFAULT_TIME_LIMIT_S",
    "Cause",
    "Disagreement",
    "FileSummary",
    "ReplayOptions",
    "ReplayResult",
    "add_replay_parser",
    "classify_disagreement",
    "recorded_prediction",
    "render_disagreements",
    "render_summary",
    "replay",
    "write_run_dir",
]

DEFAULT_TIME_LIMIT_S = 60.0
"""Per-program wall-clock limit. ORLM used 300 s; every ORLM program that solves on the open-source solvers does so
in well under a second, so 60 s only bounds what a runaway program costs the replay."""

_STDOUT_KEEP = 4000
"""Characters of a recorded stdout kept in a record (the tail, where the footer and the failure are)."""
_NUMERIC_REL = 1e-4
"""Two objectives closer than this (relative, ``|a-b|/(|b|+1)``) differ by solver tolerance or MIP gap: COPT's
and HiGHS's default relative MIP gap are both 1e-4."""
_UNSUPPORTED = re.compile(r"unsupported:\s*([^\n]+)", re.IGNORECASE)


class Cause(StrEnum):
    """Why the recorded outcome of an item and our re-execution differ (one per disagreement)."""

    RECORDED_LICENCE = "recorded_licence"
    """The recorded run failed while COPT was requesting a web licence: it never got to solve."""
    RECORDED_TIMEOUT = "recorded_timeout"
    RECORDED_NO_CODE = "recorded_no_code"
    RECORDED_FAILED = "recorded_failed"
    """The recorded run failed for another reason (ORLM kept no stderr, so the reason is not in the record)."""
    NUMERICAL = "numerical"
    """Both solved; the objectives differ beyond the strict tolerance but within solver tolerance / MIP gap."""
    DIFFERENT_OBJECTIVE = "different_objective"
    """Both solved with clearly different objective values."""
    RECORDED_NO_SOLUTION = "recorded_no_solution_ours_solved"
    """The recorded run printed "No Best Solution" (status not optimal); ours found an optimum."""
    OURS_NO_SOLUTION = "recorded_solved_ours_no_solution"
    """The recorded run solved; ours ended infeasible, unbounded or without a solution."""
    OURS_UNSUPPORTED_API = "ours_unsupported_api"
    """Our run failed because the compatibility layer does not implement a call the program makes."""
    OURS_COMPAT_ERROR = "ours_compat_error"
    """Our run failed with an error raised inside optagent's compatibility layer (``solvers.compat``) on a program
    the real package ran: a divergence of the look-alike from the real API, not a bug of the program."""
    OURS_EXCEPTION = "ours_exception"
    """Our run raised (or broke a sandbox rule / the memory limit) where the recorded run did not fail."""
    OURS_TIMEOUT = "ours_timeout"
    OURS_NO_SOLVE_CALL = "ours_no_solve_call"
    PRINTS_SOMETHING_ELSE = "prints_something_else"
    """The program's printed footer and the solve we captured disagree, and the recorded value is the printed one."""


@dataclass(frozen=True, slots=True)
class Disagreement:
    """One item whose recorded outcome and re-executed outcome differ."""

    file: str
    item_id: str
    cause: Cause
    detail: str
    recorded: str
    """The recorded outcome in words (``1160.0``, ``No Best Solution``, ``failed: licence request``)."""
    reexec: str
    """Our outcome in words (``1160.0 (optimal)``, ``infeasible``, ``error: unsupported: Model.setParam``)."""
    verdicts: Mapping[str, bool] = field(default_factory=dict)
    """Each named score's verdict for this item (``recorded/orlm``: True, ...), to see which changes flip it."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (the cause as its value)."""
        data = dataclasses.asdict(self)
        data["cause"] = self.cause.value
        data["verdicts"] = dict(self.verdicts)
        return data


@dataclass(frozen=True, slots=True)
class ReplayOptions:
    """How to replay (the CLI's flags); everything that changes a number is recorded in the run spec."""

    format: str = "auto"
    """Record format of every file (``auto`` detects it per file; see :class:`benchmarks.recorded.RecordFormat`)."""
    preset: str = "strict"
    """The run's preset: the score of ``ItemRecord.score``; always reported next to strict (and ORLM's own rule for
    ORLM files)."""
    execute: bool = True
    workers: int = 0
    """Sandbox workers; 0 means one per CPU core."""
    time_limit_s: float = DEFAULT_TIME_LIMIT_S
    first_block: bool = False
    """Take the first code block of a completion, as SIRL and ORLM did, instead of the parser's choice."""
    commercial: str = "compat"
    """What ``import coptpy``/``import gurobipy`` give the programs: ``compat`` (optagent's look-alike on HiGHS/SCIP,
    the default: licence-free and reproducible) or ``real`` (the installed package, to compare against it)."""
    data_dir: str | None = None
    """Where registered suites live (for records keyed by suite item id); None: ``$OPTAGENT_DATA_DIR``/default."""


@dataclass(frozen=True, slots=True)
class FileSummary:
    """The numbers of one replayed file, as the summary table shows them."""

    label: str
    path: str
    format: str
    detected_by: str
    items: int
    scorable: int
    rates: Mapping[str, float]
    """Score name -> percent of the file's items that pass (every record counts in the denominator, as in the
    anchors' own scripts)."""
    no_code: int = 0
    unreadable: int = 0
    layouts: Mapping[str, int] = field(default_factory=dict)
    """Response layouts the parser recognized (``orlm``, ``sirl``, ``fenced``, ...) and how many completions each."""
    multi_block: int = 0
    """Completions where the parser's program is not the first code block (where ``--first-block`` matters)."""
    executed: int = 0
    outcomes: Mapping[str, int] = field(default_factory=dict)
    """Re-execution outcomes (``ok``, ``runtime_error``, ``timeout``, ...) and how many runs each."""
    disagreements: int = 0
    causes: Mapping[str, int] = field(default_factory=dict)
    footer_differs: int = 0
    """Runs whose own printed footer would give another prediction than the captured solve."""
    model: str = ""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """Everything one replay produced."""

    spec: RunSpec
    records: tuple[ItemRecord, ...]
    files: tuple[FileSummary, ...]
    disagreements: tuple[Disagreement, ...]
    score_names: tuple[str, ...]
    elapsed_s: float = 0.0
    exec_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """The summary (not the records) as JSON-ready data: what ``--json`` prints."""
        return {
            "spec": self.spec.to_dict(),
            "score_names": list(self.score_names),
            "files": [dataclasses.asdict(f) for f in self.files],
            "disagreements": [d.to_dict() for d in self.disagreements],
            "elapsed_s": round(self.elapsed_s, 3),
            "exec_s": round(self.exec_s, 3),
        }


# -- predictions ------------------------------------------------------------------------------------------------------


def recorded_prediction(execution: RecordedExecution) -> Prediction:
    """What the authors' recorded run predicts, read from ``execution_best_solution`` exactly as their judge did.

    A number is ``SOLVED``; ``"No Best Solution"`` (ORLM's footer for any non-optimal status) is ``INFEASIBLE``,
    which is how ORLM's literal match against an infeasible label is reproduced; a failed run is ``TIMEOUT``,
    ``NO_CODE`` or ``ERROR`` (its state says which, and why when the COPT licence request was the cause).
    """
    stdout = execution.stdout[-_STDOUT_KEEP:]
    if execution.failed:
        if execution.timed_out:
            return Prediction(PredictionStatus.TIMEOUT, stdout=stdout, detail="recorded: Execution Failed: Timeout")
        if execution.no_code:
            return Prediction(PredictionStatus.NO_CODE, stdout=stdout, detail="recorded: Execution Failed: No code")
        why = "during the COPT licence request" if execution.licence_failure else "(stderr not recorded)"
        return Prediction(PredictionStatus.ERROR, stdout=stdout, detail=f"recorded: Execution Failed {why}")
    value = execution.value
    if value is not None:
        return Prediction(
            PredictionStatus.SOLVED,
            objective=value,
            values={"objective": value},
            stdout=stdout,
            detail="recorded execution_best_solution",
        )
    if execution.no_best_solution:
        return Prediction(PredictionStatus.INFEASIBLE, stdout=stdout, detail="recorded: No Best Solution")
    return Prediction(
        PredictionStatus.NO_OBJECTIVE, stdout=stdout, detail=f"recorded value {execution.best_solution!r} unreadable"
    )


def _describe(prediction: Prediction, run: CodeRun | None = None) -> str:
    """A prediction in a few words, for the disagreement list."""
    status = prediction.status
    if status is PredictionStatus.SOLVED and prediction.objective is not None:
        termination = ""
        if run is not None and run.result is not None:
            termination = f" ({run.result.termination.value})"
        return f"{prediction.objective:.10g}{termination}"
    if status is PredictionStatus.ERROR and run is not None:
        return f"error: {_error_line(run)}"
    if prediction.detail and status is not PredictionStatus.SOLVED:
        detail = prediction.detail
        return (detail if detail.startswith(status.value) else f"{status.value}: {detail}")[:200]
    return status.value


def _describe_recorded(execution: RecordedExecution) -> str:
    if execution.failed:
        if execution.licence_failure:
            return "failed: COPT licence request"
        if execution.timed_out:
            return "failed: timeout"
        if execution.no_code:
            return "failed: no code"
        tail = _last_line(execution.stdout)
        return f"failed (last stdout line: {tail!r})" if tail else "failed (no output)"
    return execution.best_solution or "?"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:160] if lines else ""


def _error_line(run: CodeRun) -> str:
    """The line that says why a run failed: the compat layer's ``unsupported: <call>``, else the error's last line."""
    text = f"{run.error}\n{run.stderr[-4000:]}"
    found = _UNSUPPORTED.search(text)
    if found is not None:
        return f"unsupported: {found.group(1).strip()}"[:240]
    return (_last_line(run.error) or _last_line(run.stderr) or run.outcome.value)[:240]


def _rel(a: float, b: float) -> float:
    return abs(a - b) / (abs(b) + 1.0)


def _same_value(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and _rel(a, b) <= 1e-6


_NO_SOLUTION = (PredictionStatus.INFEASIBLE, PredictionStatus.UNBOUNDED)


def _kind(prediction: Prediction) -> str:
    """The outcome as ORLM's footer sees it: a value, "no best solution", or a failure of one kind."""
    status = prediction.status
    if status is PredictionStatus.SOLVED:
        return "solved"
    if status in _NO_SOLUTION:
        return "no_solution"
    if status is PredictionStatus.NO_OBJECTIVE:
        return "no_solve_call" if "no solve call" in prediction.detail else "no_solution"
    if status is PredictionStatus.TIMEOUT:
        return "timeout"
    if status is PredictionStatus.NO_CODE:
        return "no_code"
    return "failed"  # ERROR


def classify_disagreement(
    execution: RecordedExecution,
    ours: Prediction,
    *,
    run: CodeRun | None = None,
    footer: Prediction | None = None,
) -> tuple[Cause, str] | None:
    """Whether the recorded run and ours disagree, and why; None when they agree.

    Agreement means the same kind of outcome — the same value (within the strict tolerance), both "no solution"
    (infeasible, unbounded or stopped without one: ORLM's footer prints "No Best Solution" for all of them), both
    timed out, or both failed — except that a recorded licence failure always counts as a disagreement: the
    recorded run never reached the program, so even a failure of ours is news about the item.

    A recorded failure is classified by its own cause first (licence request, timeout, no code), since that is what
    changed; otherwise our failure is (unsupported API, exception, timeout, no solve call); then a printed footer
    that is not the captured solve; then the solved/no-solution mismatches; then the objective difference, split
    into solver tolerance and a real difference.

    Args:
        execution: The recorded run.
        ours: Our prediction, from the captured solve (:func:`benchmarks.scoring.prediction_from_run`).
        run: Our run, for the error line and the solve's termination.
        footer: What our run's own printed footer gives (:func:`benchmarks.scoring.prediction_from_text`), to
            recognize a program whose printed objective is not the solve's.
    """
    recorded = recorded_prediction(execution)
    r_kind, o_kind = _kind(recorded), _kind(ours)
    agree = r_kind == o_kind and (r_kind != "solved" or _same_value(recorded.objective, ours.objective))
    if agree and not execution.licence_failure:
        return None
    ours_text = _describe(ours, run)
    if r_kind in ("failed", "timeout", "no_code"):
        if execution.licence_failure:
            return Cause.RECORDED_LICENCE, f"the recorded run stopped at COPT's web licence request; ours: {ours_text}"
        if execution.timed_out:
            return Cause.RECORDED_TIMEOUT, f"the recorded run timed out; ours: {ours_text}"
        if execution.no_code:
            return Cause.RECORDED_NO_CODE, f"ORLM found no code to run; ours: {ours_text}"
        tail = _last_line(execution.stdout)
        seen = f" (last stdout line: {tail!r})" if tail else ""
        return (
            Cause.RECORDED_FAILED,
            f"the recorded run failed{seen}; ORLM kept no stderr, so its reason is not in the record; ours: "
            f"{ours_text}",
        )
    if o_kind in ("failed", "timeout", "no_code"):
        if ours.status is PredictionStatus.TIMEOUT:
            return Cause.OURS_TIMEOUT, f"our run hit the time limit; recorded: {_describe_recorded(execution)}"
        line = _error_line(run) if run is not None else ours.detail
        if line.startswith("unsupported:"):
            return Cause.OURS_UNSUPPORTED_API, f"the compatibility layer lacks a call: {line}"
        if "solvers.compat" in line:
            return Cause.OURS_COMPAT_ERROR, f"the compatibility layer raised where the real package did not: {line}"
        return Cause.OURS_EXCEPTION, f"our run failed: {line}"
    if o_kind == "no_solve_call":
        return Cause.OURS_NO_SOLVE_CALL, "our run finished without a captured solve call"
    recorded_text = _describe_recorded(execution)
    if (
        footer is not None
        and _kind(footer) == r_kind
        and (r_kind != "solved" or _same_value(footer.objective, recorded.objective))
    ):
        return (
            Cause.PRINTS_SOMETHING_ELSE,
            f"the program prints {_describe(footer)} (as recorded: {recorded_text}) but its last solve gives "
            f"{ours_text}",
        )
    if r_kind == "no_solution":
        return Cause.RECORDED_NO_SOLUTION, f"recorded No Best Solution; ours: {ours_text}"
    if o_kind == "no_solution":
        return Cause.OURS_NO_SOLUTION, f"recorded {recorded_text}; ours: {ours_text}"
    assert recorded.objective is not None and ours.objective is not None
    rel = _rel(ours.objective, recorded.objective)
    both = f"recorded {recorded.objective:.10g}, ours {ours.objective:.10g} (relative difference {rel:.2g})"
    problem_class = run.result.stats.problem_class if run is not None and run.result is not None else ""
    if rel <= _NUMERIC_REL:
        return Cause.NUMERICAL, f"{both}: within solver tolerance / the default MIP gap"
    hints: list[str] = []
    if run is not None and run.result is not None and run.result.termination.value == "feasible":
        hints.append("our solve stopped at a limit with a feasible, unproven incumbent")
    if problem_class and problem_class not in ("lp", "milp"):
        hints.append(f"a {problem_class} model: a local optimum or a nonconvex model solved differently")
    return Cause.DIFFERENT_OBJECTIVE, both + (f"; {'; '.join(hints)}" if hints else "")


def _footer_differs(captured: Prediction, footer: Prediction) -> bool:
    if _kind(captured) != _kind(footer):
        return True
    return _kind(captured) == "solved" and not _same_value(captured.objective, footer.objective)


# -- the replay -------------------------------------------------------------------------------------------------------


@dataclass
class _Job:
    """One item's work: the program to run (if any) and what is known about it before running."""

    file: RecordedFile
    record: RecordedItem
    program: str | None
    completion: str = ""
    layout: str = ""
    warnings: tuple[str, ...] = ()
    parser_agrees: bool | None = None
    run: CodeRun | None = None
    error: str = ""


def _suite_items(data_dir: str | None) -> Callable[[str], Sequence[Item]]:
    """The registered suites' items by name, loaded lazily; empty where the suite or the data directory is absent."""
    cache: dict[str, Sequence[Item]] = {}

    def items(name: str) -> Sequence[Item]:
        if name not in cache:
            try:
                from benchmarks.suites import load_items

                cache[name] = load_items(name, data_dir)
            except Exception:  # no data directory, unknown suite: the records keep their own ids
                cache[name] = ()
        return cache[name]

    return items


def _normalized_lines(code: str) -> str:
    return "\n".join(line.rstrip() for line in code.strip().splitlines())


def _prepare(file: RecordedFile, record: RecordedItem, options: ReplayOptions) -> _Job:
    """Extract the program (or take the recorded one) and note the layout and the parser's warnings."""
    from agent.parsing import parse_response

    completion = record.completions[0] if record.completions else ""
    parsed = parse_response(completion) if completion else None
    layout = parsed.format.value if parsed is not None else "none"
    warnings = parsed.warnings if parsed is not None else ()
    extracted = parsed.code if parsed is not None else None
    first = anchor_first_block(completion) if completion else None
    if file.format is RecordFormat.ORLM:
        # ORLM's own program (completion code + its footer) is what was executed and what we re-execute.
        agrees = None
        if record.program is not None and extracted is not None:
            agrees = _normalized_lines(record.program).startswith(_normalized_lines(extracted))
        return _Job(file, record, record.program, completion, layout, warnings, agrees)
    program = first if options.first_block else extracted
    agrees = None
    if extracted is not None and first is not None:
        agrees = _normalized_lines(extracted) == _normalized_lines(first)
    return _Job(file, record, program, completion, layout, warnings, agrees)


def _execute(jobs: Sequence[_Job], options: ReplayOptions, pool: SandboxPool) -> None:
    """Run every job's program on the pool's workers at once (all files together, so no worker idles)."""
    from solvers import SandboxError

    todo = [job for job in jobs if job.program is not None]
    try:
        runs = pool.run_many([job.program or "" for job in todo], time_limit_s=options.time_limit_s)
    except SandboxError:
        # A worker died under one program: run them one by one so only that item is lost, and say which.
        for job in todo:
            try:
                job.run = pool.run(job.program or "", time_limit_s=options.time_limit_s)
            except SandboxError as exc:
                job.error = f"the sandbox failed on this program: {exc}"
        return
    for job, run in zip(todo, runs, strict=True):
        job.run = run


def _named_scores(
    item: Item,
    prediction: Prediction,
    names: Sequence[str],
    prefix: str,
    program: str | None,
    rerun: Callable[[str], Prediction] | None,
) -> dict[str, Score]:
    from benchmarks.scoring import score

    return {f"{prefix}/{name}": score(item, prediction, name, program=program, rerun=rerun) for name in names}


def _presets_for(file: RecordedFile, preset: str) -> list[str]:
    """ORLM files are always judged by ORLM's rule and strict; others by the run's preset and strict."""
    names = ["orlm", "strict"] if file.format is RecordFormat.ORLM else []
    for name in (preset, "strict"):
        if name not in names:
            names.append(name)
    return names


def replay(
    paths: Sequence[str | os.PathLike[str]],
    options: ReplayOptions | None = None,
    *,
    pool: SandboxPool | None = None,
    progress: Callable[[str], None] | None = None,
) -> ReplayResult:
    """Replay recorded outputs: re-score the recorded results and (unless ``options.execute`` is off) re-execute.

    Args:
        paths: Files or folders of recorded outputs (folders are searched for ``*.jsonl``/``*.json``).
        options: How to replay; defaults to :class:`ReplayOptions`.
        pool: A running sandbox pool to use; by default one is started with ``options.workers`` workers and
            closed at the end.
        progress: Called with one line per stage (for the CLI's stderr).

    Raises:
        RecordsError: A path is missing or a file cannot be read in the format asked for.
        ValueError: An unknown preset.
    """
    from benchmarks.scoring import PRESETS, prediction_from_run, prediction_from_text

    options = options or ReplayOptions()
    if options.preset not in PRESETS:
        raise ValueError(f"unknown scoring preset {options.preset!r}; known: {', '.join(PRESETS)}")
    if not options.time_limit_s > 0:
        raise ValueError("the time limit must be a positive number of seconds")
    say = progress or (lambda _line: None)
    started = time.perf_counter()
    suite_items = _suite_items(options.data_dir)
    files: list[RecordedFile] = []
    labels: Counter[str] = Counter()
    for path in find_record_files(paths):
        label = default_label(path)
        labels[label] += 1
        if labels[label] > 1:  # two runs' executed.jsonl, or a.jsonl in two folders: keep their records apart
            label = f"{label}#{labels[label]}"
        files.append(load_recorded(path, format=options.format, suite_items=suite_items, label=label))
    for file in files:
        say(f"{file.label}: {len(file.items)} records, format {file.format.value} ({file.detected_by})")
    jobs = [_prepare(file, record, options) for file in files for record in file.items]

    exec_s = 0.0
    own_pool: SandboxPool | None = None
    try:
        if options.execute and any(job.program is not None for job in jobs):
            if pool is None:
                from solvers import SandboxPool, SandboxSettings

                settings = SandboxSettings.from_env(
                    workers=options.workers, time_limit_s=options.time_limit_s, commercial=options.commercial
                )
                pool = own_pool = SandboxPool(settings)
            count = sum(job.program is not None for job in jobs)
            say(f"executing {count} programs on {pool.settings.worker_count} sandbox workers")
            exec_started = time.perf_counter()
            _execute(jobs, options, pool)
            exec_s = time.perf_counter() - exec_started
            say(f"executed in {exec_s:.1f} s")
        active_pool = pool if options.execute else None

        def rerun(source: str) -> Prediction:
            assert active_pool is not None
            return prediction_from_run(active_pool.run(source, time_limit_s=options.time_limit_s))

        records: list[ItemRecord] = []
        disagreements: list[Disagreement] = []
        for job in jobs:
            record, disagreement = _record(
                job, options, prediction_from_run, prediction_from_text, rerun if active_pool else None
            )
            records.append(record)
            if disagreement is not None:
                disagreements.append(disagreement)
    finally:
        if own_pool is not None:
            own_pool.close()

    names: list[str] = []
    for record in records:
        for name in record.extras.get("scores", {}):
            if name not in names:
                names.append(name)
    names.sort(key=lambda n: (not n.startswith("recorded/"), n.split("/", 1)[1] != "orlm", n))
    summaries = tuple(_summarize(file, [j for j in jobs if j.file is file], records, names) for file in files)
    spec = _spec(files, options, exec_s)
    return ReplayResult(
        spec=spec,
        records=tuple(records),
        files=summaries,
        disagreements=tuple(disagreements),
        score_names=tuple(names),
        elapsed_s=time.perf_counter() - started,
        exec_s=exec_s,
    )


def _record(
    job: _Job,
    options: ReplayOptions,
    prediction_from_run: Callable[..., Prediction],
    prediction_from_text: Callable[..., Prediction],
    rerun: Callable[[str], Prediction] | None,
) -> tuple[ItemRecord, Disagreement | None]:
    """Score one item on both sides, classify its disagreement and build its run-log record."""
    file, rec = job.file, job.record
    item = rec.item(file.label)
    names = _presets_for(file, options.preset)
    scores: dict[str, Score] = {}
    extras: dict[str, Any] = dict(rec.extras)
    extras.update({"file": file.label, "line": rec.line, "response_format": job.layout})
    if rec.suite_item:
        extras["suite_item"] = rec.suite_item
    if job.warnings:
        extras["parser_warnings"] = list(job.warnings)
    if job.parser_agrees is not None:
        extras["parser_agrees"] = job.parser_agrees
    if len(rec.completions) > 1:
        extras["completions_recorded"] = len(rec.completions)  # replay scores the first (pass@1)

    recorded_sample: SampleRecord | None = None
    if rec.execution is not None:
        recorded = recorded_prediction(rec.execution)
        scores.update(_named_scores(item, recorded, names, "recorded", rec.program, None))
        extras["recorded"] = {
            "best_solution": rec.execution.best_solution,
            "state": rec.execution.state[:300],
            "licence_failure": rec.execution.licence_failure,
        }
        recorded_sample = SampleRecord(
            index=0,
            completion=job.completion,
            program=rec.program or "",
            dialect="coptpy",
            prediction=recorded,
            score=scores.get(f"recorded/{options.preset}"),
        )

    executed = options.execute and (job.run is not None or job.program is None) and not job.error
    sample: SampleRecord | None = recorded_sample
    disagreement: Disagreement | None = None
    latency = 0.0
    if executed:
        run = job.run
        ours = prediction_from_run(run, program_found=job.program is not None)
        scores.update(_named_scores(item, ours, names, "reexec", job.program, rerun))
        footer: Prediction | None = None
        if run is not None and file.format is RecordFormat.ORLM and run.ok:
            footer = prediction_from_text(run.stdout, style="orlm")
            if _footer_differs(ours, footer):
                extras["footer_prediction"] = {
                    "status": footer.status.value,
                    "objective": footer.objective,
                    "detail": footer.detail,
                }
        if run is not None:
            latency = run.wall_time_s
            extras["reexec"] = {
                "outcome": run.outcome.value,
                "termination": run.result.termination.value if run.result is not None else None,
                "objective": run.result.objective_value if run.result is not None else None,
                "solver": run.result.solver if run.result is not None else "",
                "wall_time_s": round(run.wall_time_s, 4),
                "error": _error_line(run) if not run.ok else "",
            }
        if rec.execution is not None:
            found = classify_disagreement(rec.execution, ours, run=run, footer=footer)
            if found is not None:
                cause, detail = found
                disagreement = Disagreement(
                    file=file.label,
                    item_id=rec.item_id,
                    cause=cause,
                    detail=detail,
                    recorded=_describe_recorded(rec.execution),
                    reexec=_describe(ours, run),
                    verdicts={name: s.passed for name, s in scores.items()},
                )
        sample = SampleRecord(
            index=0,
            completion=job.completion,
            program=job.program or "",
            dialect=(run.dialect if run is not None else "") or "",
            code_run=_slim_run(run) if run is not None else None,
            prediction=ours,
            score=scores.get(f"reexec/{options.preset}"),
        )
    elif file.format is not RecordFormat.ORLM:
        sample = SampleRecord(index=0, completion=job.completion, program=job.program or "")
    extras["scores"] = {name: s.to_dict() for name, s in scores.items()}
    extras["disagreement"] = disagreement.to_dict() if disagreement is not None else None
    main = scores.get(f"{'reexec' if executed else 'recorded'}/{options.preset}")
    # An infrastructure failure (the sandbox broke, a batch request failed, an unreadable line), not a wrong answer.
    error = job.error or (rec.problem if not rec.completions and rec.execution is None else "")
    return (
        ItemRecord(
            item_id=rec.item_id,
            suite=file.label,
            question=rec.question,
            answer=rec.answer,
            answer_status=rec.answer_status,
            extras=extras,
            samples=(sample,) if sample is not None else (),
            final=sample,
            score=main,
            latency_s=latency,
            error=error,
        ),
        disagreement,
    )


def _slim_run(run: CodeRun) -> dict[str, Any]:
    """The run as a dict without exported-instance paths (the pool's folder is deleted when it closes)."""
    data = run.to_dict()
    for solve in data.get("solves", []):
        solve["instance_path"] = None
    return data


def _summarize(
    file: RecordedFile, jobs: Sequence[_Job], records: Sequence[ItemRecord], names: Sequence[str]
) -> FileSummary:
    mine = [r for r in records if r.suite == file.label and r.extras.get("file") == file.label]
    total = len(mine)
    rates: dict[str, float] = {}
    for name in names:
        present = [r for r in mine if name in r.extras.get("scores", {})]
        if present:
            passed = sum(bool(r.extras["scores"][name]["passed"]) for r in present)
            rates[name] = 100.0 * passed / total if total else 0.0
    layouts = Counter(job.layout for job in jobs if job.completion)
    outcomes = Counter(job.run.outcome.value for job in jobs if job.run is not None)
    causes = Counter(str(r.extras["disagreement"]["cause"]) for r in mine if r.extras.get("disagreement") is not None)
    no_code = sum(1 for job in jobs if job.program is None and not job.record.problem)
    return FileSummary(
        label=file.label,
        path=file.path,
        format=file.format.value,
        detected_by=file.detected_by,
        items=total,
        scorable=sum(1 for r in mine if r.answer_status in (AnswerStatus.OK, AnswerStatus.INFEASIBLE)),
        rates=rates,
        no_code=no_code,
        unreadable=sum(1 for job in jobs if job.record.problem and not job.record.completions),
        layouts=dict(layouts.most_common()),
        multi_block=sum(1 for job in jobs if job.parser_agrees is False),
        executed=sum(1 for job in jobs if job.run is not None),
        outcomes=dict(outcomes.most_common()),
        disagreements=sum(causes.values()),
        causes=dict(causes.most_common()),
        footer_differs=sum(1 for r in mine if "footer_prediction" in r.extras),
        model=file.model,
        warnings=file.warnings,
    )


def _spec(files: Sequence[RecordedFile], options: ReplayOptions, exec_s: float) -> RunSpec:
    models = sorted({f.model for f in files if f.model})
    now = _dt.datetime.now(_dt.UTC)
    from solvers import SandboxSettings

    workers = SandboxSettings(workers=options.workers).worker_count
    return RunSpec(
        run_id=f"replay-{now.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}",
        suites={f.label: f.version for f in files},
        llm="recorded/" + (",".join(models) if models else "unknown"),
        preset=options.preset,
        samples=1,
        parameters={
            "format": options.format,
            "formats": {f.label: f.format.value for f in files},
            "paths": {f.label: f.path for f in files},
            "execute": options.execute,
            "time_limit_s": options.time_limit_s,
            "workers": workers,
            "first_block": options.first_block,
            "commercial": options.commercial,
            "exec_s": round(exec_s, 3),
        },
        packages=package_versions(),
        git_revision=git_revision(),
        created=now.isoformat(timespec="seconds"),
        kind="replay",
    )


# -- output -----------------------------------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.1f}"


def render_summary(result: ReplayResult) -> str:
    """The Markdown summary: one row per file with every named score, then how each file was read."""
    names = list(result.score_names)
    head = ["file", "items", *names, "disagreements"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for f in result.files:
        cells = [f.label, str(f.items), *(_pct(f.rates.get(n)) for n in names)]
        cells.append(
            str(f.disagreements) if any(n.startswith("reexec/") for n in f.rates) and f.format == "orlm" else "–"
        )
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "| file | format (how detected) | layouts | no code | first block differs | run outcomes |",
        "|---|---|---|---|---|---|",
    ]
    for f in result.files:
        layouts = ", ".join(f"{k} {v}" for k, v in f.layouts.items()) or "–"
        outcomes = ", ".join(f"{k} {v}" for k, v in f.outcomes.items()) or "not executed"
        lines.append(
            f"| {f.label} | {f.format} ({f.detected_by}) | {layouts} | {f.no_code} | {f.multi_block} | {outcomes} |"
        )
    warnings = [f"- {f.label}: {w}" for f in result.files for w in f.warnings]
    if warnings:
        lines += ["", "Warnings:", *warnings]
    return "\n".join(lines) + "\n"


def render_disagreements(result: ReplayResult) -> str:
    """Every disagreement between recorded and re-executed outcome, grouped by cause, as Markdown."""
    if not result.disagreements:
        executed = bool(result.spec.parameters.get("execute"))
        return "No disagreements.\n" if executed else "Not re-executed (--no-exec): nothing to compare.\n"
    by_cause = Counter(d.cause.value for d in result.disagreements)
    lines = ["| cause | items |", "|---|---|", *(f"| {c} | {n} |" for c, n in by_cause.most_common()), ""]
    lines += [
        "| file | item | cause | recorded | re-executed | verdicts changed | detail |",
        "|---|---|---|---|---|---|---|",
    ]
    for d in sorted(result.disagreements, key=lambda d: (d.cause.value, d.file, d.item_id)):
        flipped = []
        for rule in ("orlm", "strict"):
            before, after = d.verdicts.get(f"recorded/{rule}"), d.verdicts.get(f"reexec/{rule}")
            if before is not None and after is not None and before != after:
                flipped.append(f"{rule} {'✓→✗' if before else '✗→✓'}")
        cells = [d.file, d.item_id, d.cause.value, d.recorded, d.reexec, ", ".join(flipped) or "–", d.detail]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")[:400]


def write_run_dir(result: ReplayResult, run_dir: str | os.PathLike[str]) -> Path:
    """Write the run directory: ``spec.json``, ``records.jsonl``, ``summary.{md,json}``, ``disagreements.md``.

    An existing directory is overwritten only when it holds a replay (replays are deterministic and cheap to redo);
    one holding a benchmark run is refused.

    Raises:
        RecordsError: ``run_dir`` holds a run of another kind, or cannot be written.
    """
    from benchmarks.runlog import RECORDS_FILE, SPEC_FILE, write_json_atomic, write_jsonl_atomic

    path = Path(run_dir)
    spec_path = path / SPEC_FILE
    if spec_path.exists():
        try:
            kind = json.loads(spec_path.read_text(encoding="utf-8")).get("kind")
        except (OSError, ValueError):
            kind = None
        if kind != "replay":
            raise RecordsError(f"{path} already holds a run that is not a replay; choose another --out")
    elif path.exists() and (path / RECORDS_FILE).exists():
        raise RecordsError(f"{path} already holds records; choose another --out")
    try:
        path.mkdir(parents=True, exist_ok=True)
        write_jsonl_atomic(path / RECORDS_FILE, [r.to_dict() for r in result.records])
        write_json_atomic(spec_path, result.spec.to_dict())
        write_json_atomic(path / "summary.json", result.to_dict())
        (path / "summary.md").write_text(render_summary(result), encoding="utf-8")
        (path / "disagreements.md").write_text(render_disagreements(result), encoding="utf-8")
    except OSError as exc:
        raise RecordsError(f"cannot write the run directory {path}: {exc}") from None
    return path


# -- command line -----------------------------------------------------------------------------------------------------


def add_replay_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``replay`` to ``optagent bench``'s subcommands (called by :mod:`benchmarks.cli`)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "replay",
        help="re-score and re-execute recorded model outputs (ORLM executed.jsonl, completion files)",
        description=(
            "Re-score recorded outputs under their authors' rule and the strict rule, re-execute their programs in "
            "the sandbox on open-source solvers, and list every item where the recorded and the re-executed outcome "
            "differ, with its cause. Writes a run directory that `optagent bench report` reads."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="FILE_OR_DIR", help="recorded-output files or folders of them")
    parser.add_argument(
        "--format",
        default="auto",
        choices=["auto", *(f.value for f in RecordFormat)],
        help="record format of the files (default: detect per file from its fields)",
    )
    from benchmarks.scoring import PRESETS

    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="strict",
        help="scoring preset of the run (default strict; always "
        "reported next to strict, and ORLM files also under orlm)",
    )
    parser.add_argument("--no-exec", action="store_true", help="only re-score what was recorded; run nothing")
    parser.add_argument("--workers", type=int, default=0, help="sandbox workers (default: one per CPU core)")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=DEFAULT_TIME_LIMIT_S,
        metavar="S",
        help=f"per program, in seconds (default {DEFAULT_TIME_LIMIT_S:g}; ORLM used 300)",
    )
    parser.add_argument(
        "--first-block",
        action="store_true",
        help="run the first code block of each completion, as SIRL/ORLM did (default: the parser's choice)",
    )
    parser.add_argument(
        "--commercial",
        default="compat",
        choices=["compat", "real"],
        help="coptpy/gurobipy programs run on optagent's open-source look-alike (compat, default) or the installed "
        "package (real)",
    )
    parser.add_argument("--data-dir", help="benchmark data directory (for records keyed by suite item id)")
    parser.add_argument("--out", metavar="RUN_DIR", help="run directory to write (default: runs/<run id>)")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON instead of Markdown")
    parser.set_defaults(func=cmd_replay)
    return parser


def cmd_replay(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Run ``optagent bench replay``; returns the exit status (0, or 1 when no record could be scored)."""
    from agent.cli import UsageError

    out = out or sys.stdout
    if args.workers < 0:
        raise UsageError("--workers must be 0 (one per core) or more")
    options = ReplayOptions(
        format=args.format,
        preset=args.preset,
        execute=not args.no_exec,
        workers=args.workers,
        time_limit_s=args.time_limit,
        first_block=args.first_block,
        commercial=getattr(args, "commercial", "compat"),
        data_dir=getattr(args, "data_dir", None),
    )

    def progress(line: str) -> None:
        sys.stderr.write(f"[replay] {line}\n")
        sys.stderr.flush()

    try:
        result = replay(args.paths, options, progress=progress)
        run_dir = write_run_dir(result, args.out or os.path.join("runs", result.spec.run_id))
    except (RecordsError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        data = result.to_dict()
        data["run_dir"] = str(run_dir)
        out.write(json.dumps(data, indent=2) + "\n")
    else:
        out.write(render_summary(result) + "\n")
        out.write("## Disagreements between recorded and re-executed outcomes\n\n")
        out.write(render_disagreements(result) + "\n")
        out.write(f"run directory: {run_dir} (optagent bench report {run_dir})\n")
    return 0 if any(f.items for f in result.files) else 1
