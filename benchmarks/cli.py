"""``optagent bench``: run the agent on benchmark suites, export batch prompts, and the other benchmark commands.

``run`` and ``export-prompts`` live here; ``list``/``fetch`` (:mod:`benchmarks.suites_cli`), ``report``
(:mod:`benchmarks.report`) and ``replay`` (:mod:`benchmarks.replay`) are added by their own modules. Each of those is
imported on its own: if one cannot be loaded, only its subcommand is disabled, with a message saying why, and the
rest of the command line keeps working.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.cli import UsageError

if TYPE_CHECKING:
    from agent.llm import LLMBackend
    from benchmarks.runner import ItemOutcome, RunOptions
    from benchmarks.types import Item, SuiteInfo

__all__ = ["add_bench_parser"]

_DEFAULT_BATCH_MODEL = "gpt-4o-mini"
_GUARDED = (
    ("list", "benchmarks.suites_cli", "add_list_parser"),
    ("fetch", "benchmarks.suites_cli", "add_fetch_parser"),
    ("report", "benchmarks.report", "add_report_parser"),
    ("replay", "benchmarks.replay", "add_replay_parser"),
)


def _write(text: str, stream: Any = None) -> None:
    (stream or sys.stdout).write(text + "\n")


# -- shared options -------------------------------------------------------------------------------------------------


def _add_agent_options(parser: argparse.ArgumentParser) -> None:
    """The settings that decide which prompts the agent sends: ``run`` and ``export-prompts`` must agree on them."""
    parser.add_argument("--samples", type=int, default=1, metavar="K", help="programs per item, voted (default 1)")
    parser.add_argument("--limit", type=int, default=None, metavar="N", help="only the first N items of each suite")
    parser.add_argument("--dialect", default="pyomo", help="modelling library of the programs (default: pyomo)")
    parser.add_argument("--max-repairs", type=int, default=2, metavar="R", help="repair rounds per item (default 2)")
    parser.add_argument("--max-tokens", type=int, default=4096, help="per LLM call (default 4096)")
    parser.add_argument("--temperature", type=float, default=0.0, help="for formulations and single programs")
    parser.add_argument(
        "--sample-temperature", type=float, default=0.7, help="for the k programs of --samples > 1 (default 0.7)"
    )
    parser.add_argument("--seed", type=int, default=0, help="sampling seed sent with every request (default 0)")


def _options(args: argparse.Namespace, llm: str) -> RunOptions:
    from benchmarks.runner import RunOptions

    try:
        return RunOptions(
            llm=llm,
            preset=getattr(args, "preset", "strict"),
            samples=args.samples,
            limit=args.limit,
            concurrency=getattr(args, "concurrency", 1),
            dialect=args.dialect,
            max_repairs=args.max_repairs,
            time_limit_s=getattr(args, "time_limit", None),
            max_tokens=args.max_tokens,
            temperature=args.temperature,
            sample_temperature=args.sample_temperature,
            seed=args.seed,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _load_suites(names: list[str], limit: int | None) -> list[tuple[SuiteInfo, list[Item]]]:
    try:
        from benchmarks.runner import load_suites
        from benchmarks.suites import SuiteError
    except ImportError as exc:
        raise UsageError(f"the suite registry (benchmarks.suites) is not available: {exc}") from None
    try:
        return load_suites(names, limit)
    except SuiteError as exc:
        raise UsageError(str(exc)) from None


def _llm_spec(args: argparse.Namespace) -> str:
    spec: str | None = args.llm or os.environ.get("OPTAGENT_LLM")
    if not spec:
        raise UsageError("say which LLM answers: --llm openai/<model>, vllm/<model>, replay/<file>, mock/<file>")
    return spec


def _make_llm(spec: str, args: argparse.Namespace) -> LLMBackend:
    """The backend; a keyed mock file (a JSON object) is read here, everything else as ``optagent solve`` does."""
    from agent import cli as agent_cli
    from benchmarks.runner import mock_from_file

    if spec.startswith("mock/") and spec[5:]:
        path = Path(spec[5:]).expanduser()
        if path.is_file():
            try:
                return mock_from_file(path)
            except (OSError, ValueError) as exc:
                raise UsageError(f"cannot use {path} as scripted answers: {exc}") from None
        if path.suffix or "/" in spec[5:]:
            raise UsageError(f"no such mock file: {path}")
    backend: LLMBackend = agent_cli._make_llm(
        argparse.Namespace(llm=spec, base_url=args.base_url, api_key=args.api_key)
    )
    return backend


# -- bench run ------------------------------------------------------------------------------------------------------


def _default_out(suites: list[str]) -> str:
    stem = Path(suites[0]).stem if suites else "run"
    more = f"+{len(suites) - 1}" if len(suites) > 1 else ""
    return os.path.join("runs", f"{time.strftime('%Y%m%d-%H%M%S')}-{stem}{more}")


def _progress(total: int) -> Callable[[ItemOutcome], None]:
    from benchmarks.types import ErrorCategory

    count = 0

    def show(outcome: ItemOutcome) -> None:
        nonlocal count
        count += 1
        record = outcome.record
        if record is not None and record.score is not None:
            score = record.score
            verdict = "pass" if score.passed else score.category.value
            if score.category is ErrorCategory.UNSCORABLE:
                verdict += " (no usable ground truth: counted as a failure)"
            elif not score.strict:
                verdict += " (strict: fail)"
            if score.passed and score.fallback:
                verdict += f" via {score.fallback}"
            detail = f"{verdict}, {record.latency_s:.1f} s"
        elif record is not None:
            detail = f"error: {record.error.splitlines()[0][:120]}"
        elif outcome.pending:
            detail = "pending (no completion yet)"
        else:
            detail = f"failed, will retry on --resume: {outcome.failure.splitlines()[0][:120]}"
        _write(f"[{count}/{total}] {outcome.item.id}: {detail}", sys.stderr)
        sys.stderr.flush()

    return show


def _cmd_run(args: argparse.Namespace) -> int:
    from benchmarks.metrics import format_summary
    from benchmarks.runlog import RunLogError
    from benchmarks.runner import run_benchmark

    if args.resume and not args.out:
        raise UsageError("--resume needs --out RUN_DIR: the run directory to continue")
    options = _options(args, _llm_spec(args))
    suites = _load_suites(args.suites, options.limit)
    llm = _make_llm(options.llm, args)
    out = args.out or _default_out(args.suites)
    total = sum(len(items) for _, items in suites)
    try:
        result = asyncio.run(run_benchmark(suites, options, out, llm, resume=args.resume, on_outcome=_progress(total)))
    except RunLogError as exc:
        raise UsageError(str(exc)) from None
    if result.skipped:
        _write(f"resumed: {result.skipped} item(s) already done were skipped")
    if result.records:
        _write(format_summary(result.summary()))
    rate = result.written / result.elapsed_s if result.elapsed_s > 0 else 0.0
    _write(
        f"{result.written} item(s) recorded in {result.elapsed_s:.1f} s ({rate:.2f} items/s); run log: {result.run_dir}"
    )
    if result.pending:
        items = len({(p.suite, p.item_id) for p in result.pending})
        _write(
            f"{items} item(s) are waiting for completions: export the missing prompts with\n"
            f"  optagent bench export-prompts --run {result.run_dir} --out NEXT_ROUND.jsonl\n"
            "then rerun this command with --llm replay/<the batch output> --resume"
        )
    if result.failures:
        first = result.failures[0]
        _write(
            f"{len(result.failures)} item(s) failed and were not recorded (first: {first.item.id}: "
            f"{first.failure.splitlines()[0][:200]}); rerun with --out {result.run_dir} --resume to retry them",
            sys.stderr,
        )
        return 1
    return 0


# -- bench export-prompts -------------------------------------------------------------------------------------------


def _cmd_export(args: argparse.Namespace) -> int:
    from benchmarks.batch import read_pending, write_batch_file
    from benchmarks.runlog import RunLog, RunLogError
    from benchmarks.runner import first_prompts

    out = Path(args.out)
    if args.run:
        try:
            RunLog.read_spec(args.run)
            prompts = read_pending(args.run)
        except (RunLogError, ValueError, KeyError) as exc:
            raise UsageError(f"cannot read the pending prompts of {args.run}: {exc}") from None
        if args.suites:
            wanted = set(args.suites)
            prompts = [p for p in prompts if p.suite in wanted]
        where = f"still missing in {args.run}"
    else:
        if not args.suites:
            raise UsageError("name the suites to export (or --run RUN_DIR for the next round of a run)")
        options = _options(args, "batch")
        suites = _load_suites(args.suites, options.limit)
        items = [item for _, suite_items in suites for item in suite_items]
        prompts = asyncio.run(first_prompts(items, options, args.model))
        where = "first prompts"
    try:
        count = write_batch_file(out, prompts, args.model)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    items_count = len({(p.suite, p.item_id) for p in prompts})
    _write(f"{count} request(s) for {items_count} item(s) ({where}) written to {out}")
    if count:
        _write(
            f"send it to the Batch API, save the output beside it as {out.stem}_output.jsonl, then run\n"
            f"  optagent bench run ... --llm replay/{out.with_name(out.stem + '_output.jsonl')} --out RUN_DIR"
            + (" --resume" if args.run else "")
        )
    else:
        _write("nothing is pending: the run has a record for every item it was asked for")
    return 0


# -- wiring ---------------------------------------------------------------------------------------------------------


def _unavailable(name: str, module: str, reason: str, _: argparse.Namespace) -> int:
    raise UsageError(f"`optagent bench {name}` is not available: {module} could not be loaded ({reason})")


def add_bench_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``optagent bench`` and its subcommands to the top-level parser's subparsers."""
    bench: argparse.ArgumentParser = subparsers.add_parser(
        "bench", help="benchmark suites: run the agent on them, score, report, replay, batch prompts"
    )
    sub = bench.add_subparsers(dest="bench_command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="run the agent on every item of some suites into a resumable run log",
        description="Run the agent on every item, score each answer under --preset (and strict), and append one "
        "record per item to RUN_DIR/records.jsonl. A killed run continues with --resume.",
    )
    run.add_argument("suites", nargs="+", metavar="SUITE", help="suite names (see `optagent bench list`) or files")
    run.add_argument(
        "--llm", help="openai/<model>, vllm/<model>, hf/<model>, replay/<file>, mock/<file.json> (or OPTAGENT_LLM)"
    )
    run.add_argument("--base-url", help="OpenAI-compatible endpoint (default: OPENAI_BASE_URL)")
    run.add_argument("--api-key", help="API key (default: OPENAI_API_KEY)")
    run.add_argument("--concurrency", type=int, default=4, metavar="C", help="items in flight at once (default 4)")
    run.add_argument("--preset", default="strict", help="scoring rule (strict is always reported too)")
    run.add_argument("--out", metavar="RUN_DIR", help="run directory (default: runs/<time>-<suite>)")
    run.add_argument("--time-limit", type=float, default=None, metavar="S", help="per program run, in seconds")
    run.add_argument("--resume", action="store_true", help="continue the run in --out, skipping recorded items")
    _add_agent_options(run)
    run.set_defaults(func=_cmd_run)

    export = sub.add_parser(
        "export-prompts",
        help="write the prompts a run needs as an OpenAI Batch API input file",
        description="Without --run: the first prompt of every item. With --run RUN_DIR: the prompts that run is "
        "still waiting for (the next round of a batch-mode run). Use the same --samples/--dialect/... as the run.",
    )
    export.add_argument("suites", nargs="*", metavar="SUITE", help="suites (with --run: only these suites)")
    export.add_argument("--out", required=True, metavar="FILE", help="the Batch input file to write (JSONL)")
    export.add_argument("--run", metavar="RUN_DIR", help="export the prompts this run is waiting for")
    export.add_argument(
        "--model", default=_DEFAULT_BATCH_MODEL, help=f"model named in each request (default {_DEFAULT_BATCH_MODEL})"
    )
    _add_agent_options(export)
    export.set_defaults(func=_cmd_export)

    for name, module, attr in _GUARDED:
        try:
            adder = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            placeholder = sub.add_parser(name, help=f"(not available: {module} could not be loaded)")
            placeholder.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
            placeholder.set_defaults(func=partial(_unavailable, name, module, f"{type(exc).__name__}: {exc}"))
            continue
        adder(sub)
    return bench
