"""Why a model is infeasible or unbounded, computed from its exported instance inside the sandbox.

A solver's "infeasible" tells a repair prompt nothing it can act on; the names of the constraints that conflict
do. :class:`Diagnoser` asks HiGHS for them: an irreducible infeasible subset (IIS) where HiGHS can compute one (an
LP, or a MIP whose LP relaxation is already infeasible), a relaxation diagnosis otherwise (slack on every row, total
slack minimized: the rows left with slack are the ones that must give way), and for an unbounded model the columns
along the primal ray. The instance was written by untrusted code, so it is parsed only inside the sandbox: the
diagnoser runs the trusted program in :mod:`agent.diagnosis_program` with the instance embedded as a literal, and
reads its JSON answer back from stdout.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any, Literal

from solvers import CodeRun, ModelProgram, SandboxPool, SolveResult, Termination
from solvers.types import from_dict

__all__ = [
    "BoundConflict",
    "Diagnoser",
    "Diagnosis",
    "RowConflict",
    "UnboundedColumn",
    "diagnosis_mode",
    "parse_output",
]

Mode = Literal["auto", "infeasible", "unbounded"]

_MARKER = "OPTAGENT_DIAGNOSIS "  # agent.diagnosis_program.MARKER, repeated so this module need not import highspy


@dataclass(frozen=True, slots=True)
class RowConflict:
    """A constraint (row of the exported instance) that takes part in a conflict."""

    name: str
    expression: str = ""
    """The row written out from the instance, e.g. ``chairs + tables <= 40``."""
    side: str = "both"
    """Which bound of the row is involved: ``lower`` (a >= row), ``upper`` (a <= row) or ``both``."""
    lower: float | None = None
    upper: float | None = None
    violation: float | None = None
    """In a relaxation diagnosis, by how much the row must give way (None in an IIS)."""


@dataclass(frozen=True, slots=True)
class BoundConflict:
    """A variable whose own bound takes part in a conflict."""

    name: str
    side: str = "both"
    lower: float | None = None
    upper: float | None = None
    integer: bool = False


@dataclass(frozen=True, slots=True)
class UnboundedColumn:
    """A variable that can move forever in a direction that keeps improving the objective."""

    name: str
    direction: str
    """``increase`` or ``decrease``."""
    cost: float = 0.0
    lower: float | None = None
    upper: float | None = None
    missing_bound: bool = True
    """True when the variable has no bound on the side it moves toward."""
    ray: float | None = None
    """Its component in HiGHS's primal ray (None when found by the objective scan)."""


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """What the diagnosis program found.

    ``method`` says how far it got: ``iis`` (irreducible infeasible subset of the LP), ``iis_lp_relaxation`` (of a
    MIP's LP relaxation: still a conflicting set, minimal for the relaxation), ``relaxation`` (elastic rows only),
    ``bounds`` (a variable or row contradicts itself), ``ray`` / ``objective_scan`` (unbounded), or ``none``.
    """

    status: str = "unknown"
    """``infeasible``, ``unbounded``, ``feasible`` or ``unknown``: what the trusted re-solve concluded."""
    method: str = "none"
    rows: tuple[RowConflict, ...] = ()
    """The conflicting rows (IIS or bound conflict)."""
    columns: tuple[BoundConflict, ...] = ()
    """Variable bounds in the conflict."""
    relaxation: tuple[RowConflict, ...] = ()
    """Rows that need slack in the least-total-slack relaxation, largest first."""
    total_violation: float | None = None
    unbounded: tuple[UnboundedColumn, ...] = ()
    rows_total: int = 0
    columns_total: int = 0
    notes: tuple[str, ...] = ()
    error: str = ""
    """Why no diagnosis could be made (no instance, unreadable, the sandbox run failed)."""
    wall_time_s: float | None = None

    @property
    def conflict(self) -> tuple[RowConflict, ...]:
        """The best-known conflicting rows: the IIS when there is one, else the relaxation's rows."""
        return self.rows or self.relaxation


class Diagnoser:
    """Computes :class:`Diagnosis` objects for infeasible and unbounded solves, in the sandbox.

    Args:
        pool: The sandbox pool to run the diagnosis program in (the agent's own pool is fine; the program's HiGHS
            solves are captured and certified like any other, which costs a few milliseconds on small models).
        time_limit_s: Wall-clock limit of one diagnosis run. Each solve inside gets a third of it, so the cheap
            relaxation answer is printed before the IIS starts and survives if the IIS runs out of time.
        max_instance_bytes: Larger instances are not diagnosed (the instance travels inside the program's source).
    """

    def __init__(
        self, pool: SandboxPool, *, time_limit_s: float = 20.0, max_instance_bytes: int = 8 * 1024 * 1024
    ) -> None:
        if time_limit_s <= 0:
            raise ValueError(f"time_limit_s must be positive, got {time_limit_s}")
        self.pool = pool
        self.time_limit_s = time_limit_s
        self.max_instance_bytes = max_instance_bytes

    def __call__(self, result: SolveResult, *, mode: Mode = "auto") -> Diagnosis:
        """Same as :meth:`diagnose`."""
        return self.diagnose(result, mode=mode)

    def diagnose(self, result: SolveResult, *, mode: Mode = "auto") -> Diagnosis:
        """Diagnose the exported instance of ``result``; never raises for anything the instance contains.

        Args:
            result: A captured solve; its ``instance_path`` (on this machine) is read as text.
            mode: ``infeasible`` or ``unbounded`` when the termination says which, ``auto`` for
                ``infeasible_or_unbounded`` (the program then decides from a feasibility solve).

        Raises:
            SandboxError: only when the sandbox itself is broken, as :meth:`SandboxPool.run` does.
        """
        if not result.instance_path:
            return Diagnosis(error="the solve exported no instance (nonlinear model, or a library without export)")
        try:
            size = os.path.getsize(result.instance_path)
            if size > self.max_instance_bytes:
                return Diagnosis(error=f"the exported instance is too large to diagnose ({size} bytes)")
            with open(result.instance_path, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError as exc:
            return Diagnosis(error=f"the exported instance could not be read: {exc.strerror or exc}")
        # HiGHS picks its reader by extension; the recorded format is the program's claim, so only two are used.
        claimed = (result.instance_format or os.path.splitext(result.instance_path)[1].lstrip(".")).lower()
        program = self.program(text, file_name="instance.lp" if claimed == "lp" else "instance.mps", mode=mode)
        run = self.pool.run(program, time_limit_s=self.time_limit_s)
        return parse_output(run)

    def program(self, instance: str, *, file_name: str = "instance.mps", mode: Mode = "auto") -> ModelProgram:
        """The trusted diagnosis program for ``instance`` (exposed so it can be inspected or run elsewhere)."""
        source = _program_source()
        per_solve = max(1.0, self.time_limit_s / 3.0)
        footer = f"\n\nmain({instance!r}, {file_name!r}, {mode!r}, {per_solve!r})\n"
        return ModelProgram.from_source(source + footer, "highspy", name="diagnose.py")


@functools.cache
def _program_source() -> str:
    return resources.files("agent").joinpath("diagnosis_program.py").read_text(encoding="utf-8")


def parse_output(run: CodeRun) -> Diagnosis:
    """The last complete diagnosis line a run printed, as a :class:`Diagnosis`."""
    payload: dict[str, Any] | None = None
    for line in run.stdout.splitlines():
        if line.startswith(_MARKER):
            try:
                decoded = json.loads(line[len(_MARKER) :])
            except ValueError:
                continue
            if isinstance(decoded, dict):
                payload = decoded
    if payload is None:
        reason = run.error.strip().splitlines()[-1] if run.error.strip() else "it printed no result"
        return Diagnosis(error=f"the diagnosis run ended with {run.outcome.value}: {reason}")
    try:
        diagnosis = from_dict(Diagnosis, payload)
    except ValueError as exc:
        return Diagnosis(error=f"the diagnosis output did not fit the contract: {str(exc)[:300]}")
    if payload.get("status") != "unknown" and run.outcome.value == "timeout":
        diagnosis = _with_note(diagnosis, "the diagnosis ran out of time; this is the partial answer it reached")
    return diagnosis


def _with_note(diagnosis: Diagnosis, note: str) -> Diagnosis:
    return replace(diagnosis, notes=(*diagnosis.notes, note))


def diagnosis_mode(termination: Termination) -> Mode:
    """The mode to diagnose a termination with."""
    if termination is Termination.INFEASIBLE:
        return "infeasible"
    if termination is Termination.UNBOUNDED:
        return "unbounded"
    return "auto"
