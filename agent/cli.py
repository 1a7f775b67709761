"""The ``optagent`` command line.

``optagent run PROGRAM.py`` runs a model program in the sandbox and shows the captured, certified result.
``optagent schema`` prints the JSON Schema of what ``optagent run --json`` emits.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from solvers import CodeRun, Dialect, ModelProgram, RunOutcome, SandboxError, SandboxSettings, UnknownDialectError
from solvers.types import SolveResult, json_schema

__all__ = ["main"]

_MAX_PROGRAM_BYTES = 5 * 1024 * 1024
_TABLE_ROWS = 50


class UsageError(Exception):
    """A problem with what the user asked for, reported as one line without a traceback."""


def _read_program(path: str) -> str:
    if not os.path.exists(path):
        raise UsageError(f"no such file: {path}")
    if os.path.isdir(path):
        raise UsageError(f"{path} is a directory, not a model program")
    try:
        size = os.path.getsize(path)
        if size > _MAX_PROGRAM_BYTES:
            raise UsageError(f"{path} is {size} bytes; model programs are limited to {_MAX_PROGRAM_BYTES} bytes")
        with open(path, "rb") as handle:
            data = handle.read()
    except PermissionError:
        raise UsageError(f"cannot read {path}: permission denied") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    if b"\x00" in data:
        raise UsageError(f"{path} looks like a binary file, not a Python model program")
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


def _print_solve(result: SolveResult, out: TextIO, *, heading: str) -> None:
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
    if result.instance_path:
        print(f"  instance    {result.instance_path}", file=out)
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
    run.set_defaults(func=_cmd_run)
    schema = sub.add_parser("schema", help="print the JSON Schema of `optagent run --json` output")
    schema.set_defaults(func=_cmd_schema)
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
    sys.exit(main())
