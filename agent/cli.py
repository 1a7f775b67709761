"""The ``optagent`` command line.

``optagent run PROGRAM.py`` runs a model program in the sandbox and shows the captured, certified result.
``optagent solve "..."`` formulates, writes, runs and checks a model for a problem described in words.
``optagent schema`` prints the JSON Schema of what ``optagent run --json`` emits.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from solvers import CodeRun, Dialect, ModelProgram, RunOutcome, SandboxError, SandboxSettings, UnknownDialectError
from solvers.types import SolveResult, json_schema

__all__ = ["main"]

_MAX_PROGRAM_BYTES = 5 * 1024 * 1024
_TABLE_ROWS = 50


class UsageError(Exception):
    """A problem with what the user asked for, reported as one line without a traceback."""


def _read_program(path: str, what: str = "a Python model program") -> str:
    """A text file's contents, or a :class:`UsageError` saying in one line why it cannot be used as ``what``."""
    if not os.path.exists(path):
        raise UsageError(f"no such file: {path}")
    if os.path.isdir(path):
        raise UsageError(f"{path} is a directory, not {what}")
    try:
        size = os.path.getsize(path)
        if size > _MAX_PROGRAM_BYTES:
            raise UsageError(f"{path} is {size} bytes; the limit is {_MAX_PROGRAM_BYTES} bytes")
        with open(path, "rb") as handle:
            data = handle.read()
    except PermissionError:
        raise UsageError(f"cannot read {path}: permission denied") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    if b"\x00" in data:
        raise UsageError(f"{path} looks like a binary file, not {what}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text") from None


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.10g}"


def _print_solve(result: SolveResult, out: TextIO, *, heading: str, instance_path: str | None = None) -> None:
    print(heading, file=out)
    solver = result.solver + (f" {result.solver_version}" if result.solver_version else "")
    if result.requested_solver and result.requested_solver != result.solver:
        solver += f" (requested {result.requested_solver})"
    print(
        f"  status      {result.termination.value}  [{result.raw_status}]"
        if result.raw_status
        else f"  status      {result.termination.value}",
        file=out,
    )
    print(f"  objective   {_fmt(result.objective_value)} ({result.sense.value})", file=out)
    if result.objective_bound is not None:
        gap = f", gap {result.mip_gap:.3g}" if result.mip_gap is not None else ""
        print(f"  bound       {_fmt(result.objective_bound)}{gap}", file=out)
    print(
        f"  solver      {solver or '-'}, {result.dialect or '-'}"
        + (f", {result.wall_time_s:.3f} s" if result.wall_time_s is not None else ""),
        file=out,
    )
    s = result.stats
    print(
        f"  model       {s.problem_class.upper()}: {s.variables} variables ({s.continuous} continuous, "
        f"{s.integer} integer, {s.binary} binary), {s.constraints} constraints, {s.nonzeros} nonzeros",
        file=out,
    )
    cert = result.certification
    if cert is not None:
        verdict = "certified" if cert.certified else "NOT certified"
        violation = f", max violation {cert.max_violation:.2g}" if cert.max_violation is not None else ""
        print(f"  check       {verdict} by an independent HiGHS re-solve{violation}", file=out)
        detail = cert.detail.removeprefix("certified: ").removeprefix("not certified: ")
        print(f"              {detail}", file=out)
    elif result.stats.is_linear or result.stats.problem_class in ("qp", "miqp"):
        print("  check       not certified (no instance was exported)", file=out)
    instance_path = instance_path or result.instance_path
    if instance_path:
        print(f"  instance    {instance_path}", file=out)
    elif result.instance_format:
        print(
            f"  instance    exported as {result.instance_format.upper()} (keep it with --keep-instances DIR)", file=out
        )
    for note in result.notes:
        print(f"  note        {note}", file=out)
    nonzero = [(name, v) for name, v in result.variable_values.items() if v is not None and abs(v) > 1e-9]
    if nonzero:
        width = min(40, max(len(name) for name, _ in nonzero))
        print(f"  nonzero variables ({len(nonzero)} of {len(result.variable_values)}):", file=out)
        for name, v in nonzero[:_TABLE_ROWS]:
            print(f"    {name:<{width}}  {_fmt(v)}", file=out)
        if len(nonzero) > _TABLE_ROWS:
            print(f"    ... {len(nonzero) - _TABLE_ROWS} more (use --json for all)", file=out)
    elif result.has_solution:
        print("  all variables are zero", file=out)


def render(run: CodeRun, out: TextIO) -> None:
    """Print a run for a person: outcome, the answer, then earlier solves and the program's output tail."""
    print(f"outcome       {run.outcome.value} ({run.wall_time_s:.2f} s)", file=out)
    if run.error:
        print("error         " + run.error.strip().replace("\n", "\n              "), file=out)
    if run.solves:
        _print_solve(run.solves[-1], out, heading="answer (last solve call):")
        if len(run.solves) > 1:
            print(f"earlier solve calls: {len(run.solves) - 1}", file=out)
            for i, solve in enumerate(run.solves[:-1]):
                print(f"  #{i}: {solve.termination.value}, objective {_fmt(solve.objective_value)}", file=out)
    if run.stdout.strip():
        tail = run.stdout.strip().splitlines()[-10:]
        print("program output (last lines; not used for the answer):", file=out)
        for line in tail:
            print(f"  | {line}", file=out)
    if run.isolation is not None:
        iso = run.isolation
        print(
            f"sandbox       {iso.backend}; network {'isolated' if iso.network_isolated else 'SHARED'}; "
            f"pid namespace {'yes' if iso.pid_namespace else 'no'}; filesystem {iso.filesystem}; "
            f"uid {iso.uid if iso.uid is not None else '-'}",
            file=out,
        )


def _cmd_run(args: argparse.Namespace) -> int:
    source = _read_program(args.program)
    if not source.strip():
        raise UsageError(f"{args.program} is empty")
    try:
        dialect = Dialect.parse(args.dialect) if args.dialect else None
    except UnknownDialectError as exc:
        raise UsageError(str(exc)) from None
    if args.time_limit is not None and not args.time_limit > 0:
        raise UsageError("--time-limit must be a positive number of seconds")
    program = ModelProgram.from_source(source, dialect, name=os.path.basename(args.program))
    settings = SandboxSettings.from_env(workers=1)
    if args.time_limit is not None:
        settings = settings.replace(time_limit_s=args.time_limit)
    if args.real_solvers:
        settings = settings.replace(commercial="real")
    from solvers.sandbox import SandboxPool

    pool = SandboxPool(settings)
    try:
        run = _keep_instances(pool.run(program), args.keep_instances)
        if args.json:
            print(run.to_json(indent=2))
        else:
            render(run, sys.stdout)
    finally:
        pool.close()
    return 0 if run.outcome is RunOutcome.OK else 1


def _keep_instances(run: CodeRun, folder: str | None) -> CodeRun:
    """Copy exported instances out of the pool's temporary folder, which is deleted when the pool closes.

    Without a folder the paths are cleared, so neither the JSON nor the text output names a file that is gone.
    """
    import dataclasses
    import shutil

    if folder:
        os.makedirs(folder, exist_ok=True)
    solves = []
    for i, solve in enumerate(run.solves):
        if folder and solve.instance_path and os.path.exists(solve.instance_path):
            target = os.path.join(folder, f"solve-{i}.{solve.instance_format or 'mps'}")
            shutil.copyfile(solve.instance_path, target)
            solve = dataclasses.replace(solve, instance_path=os.path.abspath(target))
        elif solve.instance_path:
            solve = dataclasses.replace(solve, instance_path=None)
        solves.append(solve)
    return dataclasses.replace(run, solves=tuple(solves))


_MAX_PROBLEM_CHARS = 100_000
_DEFAULT_MAX_TOKENS = 4096
_LOCAL_MAX_TOKENS = 384
_OPTIMIZATION_WORDS = (
    "maxim",
    "minim",
    "optim",
    "profit",
    "cost",
    "revenue",
    "at least",
    "at most",
    "no more than",
    "no less than",
    "budget",
    "capacity",
    "schedule",
    "allocate",
    "assign",
    "how many",
    "how much",
    "best",
    "cheapest",
    "fastest",
    "shortest",
    "largest",
    "smallest",
    "limit",
    "constraint",
    "objective",
    "demand",
    "supply",
)


def _read_problem(args: argparse.Namespace) -> str:
    """The problem text from the argument, ``--file`` or standard input, validated for a person's mistakes."""
    if args.file and args.problem:
        raise UsageError("give the problem either as text or with --file, not both")
    if args.file:
        text = _read_program(args.file, "a problem described in words")
    elif args.problem in (None, "-"):
        if sys.stdin is None or sys.stdin.isatty():
            raise UsageError('no problem given: optagent solve "A factory makes..." (or --file FILE, or pipe it in)')
        data = sys.stdin.buffer.read(_MAX_PROBLEM_CHARS * 4 + 1)
        if b"\x00" in data:
            raise UsageError("the input looks binary, not a problem described in words")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError("the input is not UTF-8 text") from None
    else:
        text = args.problem
    text = text.strip()
    if not text:
        raise UsageError("the problem is empty")
    if len(text) > _MAX_PROBLEM_CHARS:
        raise UsageError(f"the problem is {len(text)} characters long; the limit is {_MAX_PROBLEM_CHARS}")
    if any(ord(c) < 32 and c not in "\t\n\r" for c in text):
        raise UsageError("the problem contains control characters; is it a binary file?")
    lowered = text.lower()
    if not any(word in lowered for word in _OPTIMIZATION_WORDS):
        raise UsageError(
            "this does not read like an optimization problem: say what to maximize or minimize and what limits "
            'apply (e.g. "maximize profit subject to 40 hours of labour")'
        )
    return text


def _make_llm(args: argparse.Namespace) -> Any:
    from agent.llm import LLMError, get_llm

    kwargs: dict[str, Any] = {}
    spec = args.llm or os.environ.get("OPTAGENT_LLM") or "local"
    if spec == "local":
        print(
            "optagent: using the embedded SmolLM2-135M model, which is only for trying the tool: it is far too small "
            "to formulate problems. Point optagent at a capable model with --llm openai/<model> (any "
            "OpenAI-compatible server: --base-url or OPENAI_BASE_URL, e.g. a `vllm serve` endpoint) or "
            "--llm vllm/<model> on a GPU.",
            file=sys.stderr,
        )
    if spec.startswith("mock/") and os.path.isfile(spec[5:]):
        try:
            outputs = json.loads(open(spec[5:], encoding="utf-8").read())
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read scripted responses from {spec[5:]}: {exc}") from None
        if not isinstance(outputs, list) or not all(isinstance(o, str) for o in outputs):
            raise UsageError(f"{spec[5:]} must hold a JSON list of response strings")
        spec, kwargs = "mock/scripted", {"outputs": outputs}
    elif spec.startswith("openai/"):
        if args.base_url:
            kwargs["base_url"] = args.base_url
        if args.api_key:
            kwargs["api_key"] = args.api_key
    try:
        return get_llm(spec, **kwargs)
    except (ValueError, OSError, LLMError) as exc:
        raise UsageError(str(exc)) from None


def _progress(stage: str, details: dict[str, Any]) -> None:
    shown = ", ".join(f"{k} {v}" for k, v in details.items())
    print(f"[optagent] {stage}" + (f" ({shown})" if shown else ""), file=sys.stderr, flush=True)


def _cmd_solve(args: argparse.Namespace) -> int:
    import asyncio

    from agent.checks import Diagnoser
    from agent.graph import AgentContext, solve
    from agent.llm import LLMError
    from agent.types import Problem
    from solvers.sandbox import SandboxPool

    text = _read_problem(args)
    try:
        dialect = Dialect.parse(args.dialect).value
    except UnknownDialectError as exc:
        raise UsageError(str(exc)) from None
    if args.samples < 1 or args.samples > 64:
        raise UsageError("--samples must be between 1 and 64")
    if args.max_repairs < 0 or args.max_repairs > 10:
        raise UsageError("--max-repairs must be between 0 and 10")
    if args.max_tokens is not None and args.max_tokens < 1:
        raise UsageError("--max-tokens must be a positive number")
    llm = _make_llm(args)
    # The embedded model rambles to its token limit on a CPU: a short default keeps a first try to a few minutes.
    max_tokens = args.max_tokens or (_LOCAL_MAX_TOKENS if llm.name == "local" else _DEFAULT_MAX_TOKENS)
    settings = SandboxSettings.from_env(workers=min(max(args.samples, 1), os.cpu_count() or 1))
    if args.time_limit is not None:
        settings = settings.replace(time_limit_s=args.time_limit)
    pool = SandboxPool(settings)
    try:
        context = AgentContext(
            llm=llm,
            executor=pool,
            dialect=dialect,
            samples=args.samples,
            max_repairs=args.max_repairs,
            diagnoser=Diagnoser(pool),
            max_tokens=max_tokens,
            on_event=None if args.json else _progress,
        )
        try:
            result = asyncio.run(solve(Problem(text=text), context))
        except LLMError as exc:
            print(f"optagent: the LLM failed: {exc}", file=sys.stderr)
            return 4
        out_dir = args.out or _default_run_dir()
        _write_outputs(result, text, out_dir, pool)
        if args.json:
            print(json.dumps(result.to_dict(), indent=2))
        else:
            _render_result(result, out_dir, sys.stdout)
    finally:
        pool.close()
    return 0 if result.chosen is not None else 1


def _default_run_dir() -> str:
    import time as _time

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "optagent", "runs", _time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}")


def _write_outputs(result: Any, text: str, folder: str, pool: Any) -> None:
    """formulation.md, model.py, result.json, the instance, and every attempt (attempts/NN/...)."""
    import shutil

    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "problem.txt"), "w", encoding="utf-8") as handle:
        handle.write(text + "\n")
    for attempt in result.attempts:
        sub = os.path.join(folder, "attempts", f"{attempt.index:02d}")
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, "completion.md"), "w", encoding="utf-8") as handle:
            handle.write("\n\n---\n\n".join(attempt.completions))
        if attempt.program is not None:
            with open(os.path.join(sub, "model.py"), "w", encoding="utf-8") as handle:
                handle.write(attempt.program.source)
    answer = result.answer
    if answer is not None:
        with open(os.path.join(folder, "formulation.md"), "w", encoding="utf-8") as handle:
            handle.write(answer.formulation + "\n")
        if answer.program is not None:
            with open(os.path.join(folder, "model.py"), "w", encoding="utf-8") as handle:
                handle.write(answer.program.source)
        solve_result = answer.run.result if answer.run is not None else None
        if solve_result is not None and solve_result.instance_path and os.path.exists(solve_result.instance_path):
            shutil.copyfile(solve_result.instance_path, _instance_copy(folder, solve_result))
    with open(os.path.join(folder, "result.json"), "w", encoding="utf-8") as handle:
        json.dump(result.to_dict(), handle, indent=2)


def _instance_copy(folder: str, result: SolveResult) -> str:
    """Where ``optagent solve`` keeps the answer's exported instance (the pool's own copy goes with the pool)."""
    return os.path.join(folder, f"instance.{result.instance_format or 'mps'}")


def _render_result(result: Any, folder: str, out: TextIO) -> None:
    answer = result.answer
    if answer is None:
        print(f"no valid model after {len(result.attempts)} attempt(s); every attempt is saved in {folder}", file=out)
        for attempt in result.attempts:
            failing = [c for c in attempt.checks if c.status.value == "fail"]
            reason = failing[0].message.splitlines()[0] if failing else "no solve"
            print(f"  attempt {attempt.index} ({attempt.kind.value}): {reason}", file=out)
        return
    print("formulation:", file=out)
    for line in answer.formulation.strip().splitlines():
        print(f"  {line}", file=out)
    if answer.program is not None:
        print("model program:", file=out)
        for line in answer.program.source.strip().splitlines():
            print(f"  | {line}", file=out)
    if answer.run is not None and answer.run.result is not None:
        kept = _instance_copy(folder, answer.run.result)
        _print_solve(answer.run.result, out, heading="result:", instance_path=kept if os.path.exists(kept) else None)
    print("checks:", file=out)
    for check in answer.checks:
        print(
            f"  {check.status.value:<5} {check.name}: {check.message.splitlines()[0] if check.message else ''}",
            file=out,
        )
    print(
        f"confidence    {result.confidence:.2f} ({len(result.attempts)} attempt(s), "
        f"{len(result.clusters)} cluster(s)); files in {folder}",
        file=out,
    )


def _cmd_schema(_: argparse.Namespace) -> int:
    print(json.dumps(json_schema(CodeRun), indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(prog="optagent", description="Optimization modelling agent with open solvers.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a model program in the sandbox and show the captured result")
    run.add_argument("program", help="path of a Python model program")
    run.add_argument("--dialect", help=f"modelling library ({', '.join(d.value for d in Dialect)}); default: detect")
    run.add_argument("--time-limit", type=float, default=None, metavar="S", help="wall-clock limit in seconds")
    run.add_argument("--json", action="store_true", help="print the CodeRun as JSON (see `optagent schema`)")
    run.add_argument("--keep-instances", metavar="DIR", help="copy exported LP/MPS instances into DIR")
    run.add_argument(
        "--real-solvers",
        action="store_true",
        help="run gurobipy/coptpy programs on the installed gurobipy/coptpy packages (your licence and their size "
        "limits apply) instead of optagent's open-source compatibility layer on HiGHS/SCIP; a package that is not "
        "installed still runs on the compatibility layer, with a note on each solve "
        "(same as OPTAGENT_SANDBOX_COMMERCIAL=real)",
    )
    run.set_defaults(func=_cmd_run)
    solve = sub.add_parser("solve", help="formulate, write, run and check a model for a problem described in words")
    solve.add_argument("problem", nargs="?", help="the problem text (or - to read standard input)")
    solve.add_argument("--file", help="read the problem from this file")
    solve.add_argument(
        "--llm",
        help="LLM spec: openai/<model>, vllm/<model>, hf/<model>, local (default; also OPTAGENT_LLM), "
        "mock/<responses.json>, replay/<file>",
    )
    solve.add_argument("--base-url", help="OpenAI-compatible endpoint (default: OPENAI_BASE_URL)")
    solve.add_argument("--api-key", help="API key (default: OPENAI_API_KEY)")
    solve.add_argument("--dialect", default="pyomo", help="modelling library of the program (default: pyomo)")
    solve.add_argument("--samples", type=int, default=1, help="programs to sample and vote over (default: 1)")
    solve.add_argument("--max-repairs", type=int, default=2, help="repair rounds when no attempt is valid")
    solve.add_argument("--time-limit", type=float, default=None, metavar="S", help="per program, in seconds")
    solve.add_argument(
        "--max-tokens", type=int, default=None, help=f"per LLM call (default {_DEFAULT_MAX_TOKENS}; local: 384)"
    )
    solve.add_argument("--json", action="store_true", help="print the AgentResult as JSON")
    solve.add_argument("--out", metavar="DIR", help="write formulation.md, model.py, result.json, the instance")
    solve.set_defaults(func=_cmd_solve)
    schema = sub.add_parser("schema", help="print the JSON Schema of `optagent run --json` output")
    schema.set_defaults(func=_cmd_schema)
    from benchmarks.cli import add_bench_parser  # here, not at the top: benchmarks imports agent, not the reverse

    add_bench_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``optagent`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except UsageError as exc:
        print(f"optagent: error: {exc}", file=sys.stderr)
        return 2
    except SandboxError as exc:
        print(f"optagent: the sandbox failed: {exc}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    # `python -m agent.cli` runs this file as __main__; call the package module's main instead, so the error classes
    # that benchmarks.cli raises (it imports agent.cli) are the ones main() catches.
    from agent.cli import main as package_main

    sys.exit(package_main())
