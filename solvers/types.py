"""The result contracts of the solver layer: what a solve and a sandboxed run produce.

Every type here is a frozen dataclass of plain values, so a result can be logged, compared, sent across a
process boundary and read back (``to_dict`` / ``from_dict``) without losing anything. The vocabulary is
deliberately small (cvxpy, linopy, MathOpt): each backend maps its own statuses onto :class:`Termination` and
keeps the verbatim status in ``raw_status``.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Self, TypeVar

__all__ = [
    "Certification",
    "CodeRun",
    "Isolation",
    "JsonRoundTrip",
    "ModelStats",
    "NoSolutionError",
    "ObjectiveSense",
    "RunOutcome",
    "SolveResult",
    "Termination",
]


class NoSolutionError(RuntimeError):
    """Raised by :meth:`SolveResult.objective` when the solve produced no primal solution."""


class Termination(StrEnum):
    """Why a solve stopped, in a vocabulary shared by every dialect."""

    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    """Stopped at a limit (time, gap, nodes) holding a feasible incumbent that is not proven optimal."""
    NO_SOLUTION_FOUND = "no_solution_found"
    """Stopped at a limit with nothing feasible in hand."""
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    INFEASIBLE_OR_UNBOUNDED = "infeasible_or_unbounded"
    NUMERICAL_ERROR = "numerical_error"
    SOLVER_ERROR = "solver_error"
    UNKNOWN = "unknown"

    @classmethod
    def parse(cls, raw: str) -> Termination:
        """Map a canonical name to a member; anything else is ``UNKNOWN`` (never raises)."""
        try:
            return cls(str(raw).strip().lower())
        except ValueError:
            return cls.UNKNOWN


class ObjectiveSense(StrEnum):
    """Direction of the objective; ``feasibility`` when the model has none (constant objective)."""

    MINIMIZE = "minimize"
    MAXIMIZE = "maximize"
    FEASIBILITY = "feasibility"


class RunOutcome(StrEnum):
    """How a sandboxed run of a model program ended. Bad generated code is data, not an exception."""

    OK = "ok"
    """The program ran to the end and made at least one solve call."""
    SYNTAX_ERROR = "syntax_error"
    RUNTIME_ERROR = "runtime_error"
    TIMEOUT = "timeout"
    MEMORY_LIMIT = "memory_limit"
    NO_SOLVE_CALL = "no_solve_call"
    """The program ran to the end without calling a solver; anything it printed is not an answer."""
    SANDBOX_VIOLATION = "sandbox_violation"
    """The program tried something the sandbox forbids (network, writing outside its directory, ...)."""


@dataclass(frozen=True, slots=True)
class ModelStats:
    """Size and structure of the model that was solved, read from the model object."""

    variables: int = 0
    continuous: int = 0
    integer: int = 0
    """General integer variables, binaries excluded."""
    binary: int = 0
    constraints: int = 0
    nonzeros: int = 0
    """Nonzero coefficients of the linear constraint matrix (0 when unknown)."""
    linear_constraints: int = 0
    quadratic_constraints: int = 0
    nonlinear_constraints: int = 0
    logical_constraints: int = 0
    """Logical and global constraints: CP-SAT's no-overlap, all-different, enforced (``OnlyEnforceIf``) constraints,
    general and indicator constraints. Not arithmetic, so neither linear nor nonlinear."""
    objective: str = "linear"
    """``linear``, ``quadratic``, ``nonlinear`` or ``none`` (a feasibility model)."""

    @property
    def is_linear(self) -> bool:
        """True when objective and every constraint are linear (LP or MILP)."""
        return (
            self.objective in ("linear", "none")
            and self.quadratic_constraints == 0
            and self.nonlinear_constraints == 0
            and self.logical_constraints == 0
        )

    @property
    def problem_class(self) -> str:
        """A short class name: ``lp``, ``milp``, ``qp``, ``miqp``, ``qcp``, ``miqcp``, ``nlp``, ``minlp`` or ``cp``.

        ``cp`` is a purely discrete model with logical or global constraints (a constraint-programming model).
        """
        discrete = self.integer + self.binary > 0
        prefix = "mi" if discrete else ""
        arithmetic_nonlinear = self.nonlinear_constraints or self.objective == "nonlinear" or self.quadratic_constraints
        if self.logical_constraints and self.continuous == 0 and not arithmetic_nonlinear:
            return "cp"
        if self.nonlinear_constraints or self.objective == "nonlinear" or self.logical_constraints:
            return prefix + "nlp"
        if self.quadratic_constraints:
            return prefix + "qcp"
        if self.objective == "quadratic":
            return prefix + "qp"
        return "milp" if discrete else "lp"


@dataclass(frozen=True, slots=True)
class Certification:
    """Independent check of a linear/quadratic solve: the exported instance re-solved by HiGHS in another process.

    ``certified`` is the verdict: the re-solve agrees on the status and (for optimal solves) on the objective
    within ``rel_tol``, and the reported solution violates no exported constraint, bound or integrality by more
    than the feasibility tolerance.
    """

    certified: bool
    status_agrees: bool
    objective_agrees: bool | None = None
    """None when there is no objective to compare (e.g. both infeasible)."""
    resolve_termination: Termination = Termination.UNKNOWN
    resolve_objective: float | None = None
    max_violation: float | None = None
    """Largest violation of a row, bound or integrality by the reported solution; None when not checkable."""
    columns_checked: int = 0
    rows_checked: int = 0
    rel_tol: float = 1e-6
    detail: str = ""
    """Why the verdict is what it is, in one line a person (or a repair prompt) can read."""


@dataclass(frozen=True, slots=True)
class SolveResult:
    """One solve call of a model program, captured from the solver object (never from stdout)."""

    termination: Termination
    raw_status: str = ""
    """The backend's own status string, verbatim."""
    sense: ObjectiveSense = ObjectiveSense.MINIMIZE
    objective_value: float | None = None
    objective_bound: float | None = None
    """Best proven bound (dual bound) where the solver reports one."""
    mip_gap: float | None = None
    variable_values: Mapping[str, float] = field(default_factory=dict)
    stats: ModelStats = field(default_factory=ModelStats)
    dialect: str = ""
    solver: str = ""
    """The solver that actually ran (``highs``, ``scip``, ``cp-sat``, ``clarabel``, ...)."""
    solver_version: str = ""
    requested_solver: str = ""
    """What the program asked for, when that differs from what ran (e.g. ``gurobi`` mapped to ``highs``)."""
    wall_time_s: float | None = None
    instance_path: str | None = None
    """The exported instance (MPS or LP) where the model is linear or quadratic."""
    instance_format: str | None = None
    certification: Certification | None = None
    notes: tuple[str, ...] = ()
    """Things a user should know about this solve (substituted solver, capture limitations, ...)."""

    @property
    def has_solution(self) -> bool:
        """True when a primal solution exists (optimal, or feasible at a limit)."""
        return self.termination in (Termination.OPTIMAL, Termination.FEASIBLE)

    def objective(self) -> float:
        """The objective value; raises :class:`NoSolutionError` when there is none."""
        if not self.has_solution or self.objective_value is None:
            raise NoSolutionError(f"no primal solution ({self.termination}); check .has_solution first")
        return self.objective_value

    def with_certification(self, certification: Certification | None) -> SolveResult:
        """A copy carrying ``certification``."""
        return dataclasses.replace(self, certification=certification)


@dataclass(frozen=True, slots=True)
class Isolation:
    """What the sandbox actually achieved for a run; reported, never assumed."""

    backend: str
    """``bwrap`` (bubblewrap), ``namespaces`` (the pure-Python fallback) or ``none``."""
    network_isolated: bool = False
    pid_namespace: bool = False
    """Runs are forked by a process that is PID 1 of its own PID namespace, so nothing a run starts outlives it."""
    filesystem: str = "none"
    """``private-view`` (only the runtime is mounted, read-only), ``audit-hook`` or ``none``."""
    uid: int | None = None
    """The unprivileged uid the program ran as, or None when it kept the caller's uid."""
    audit_hook: bool = False
    rlimits: Mapping[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CodeRun:
    """A sandboxed run of one model program: how it ended, what it printed and every solve it made."""

    outcome: RunOutcome
    stdout: str = ""
    stderr: str = ""
    wall_time_s: float = 0.0
    solves: tuple[SolveResult, ...] = ()
    """Every solve call in order. The last one is the answer (see :attr:`result`)."""
    dialect: str = ""
    error: str = ""
    """A one-paragraph reason for a non-OK outcome (the traceback tail, the violated rule, the limit hit)."""
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    exit_code: int | None = None
    signal: int | None = None
    max_rss_mb: float | None = None
    isolation: Isolation | None = None

    @property
    def result(self) -> SolveResult | None:
        """The answer: the last solve call, or None when there was none."""
        return self.solves[-1] if self.solves else None

    @property
    def ok(self) -> bool:
        """True when the run ended normally with at least one solve call."""
        return self.outcome is RunOutcome.OK

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (enums as their string values, non-finite floats as strings)."""
        return to_dict(self)

    def to_json(self, **kwargs: Any) -> str:
        """This run as JSON text."""
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CodeRun:
        """Rebuild a run from :meth:`to_dict` output; raises ``ValueError`` on anything off-contract."""
        return from_dict(cls, data)


# -- serialization ---------------------------------------------------------------------------------------------

_T = TypeVar("_T")


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, Mapping):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    return value


def to_dict(obj: Any) -> dict[str, Any]:
    """Encode any of this module's dataclasses as a JSON-ready dict."""
    encoded = _encode(obj)
    if not isinstance(encoded, dict):
        raise TypeError(f"expected a dataclass instance, got {type(obj).__name__}")
    return encoded


def _adapter(cls: type[Any]) -> Any:
    # pydantic is imported lazily: `import solvers` must stay light for the sandbox workers.
    from pydantic import TypeAdapter

    cached = _ADAPTERS.get(cls)
    if cached is None:
        cached = _ADAPTERS[cls] = TypeAdapter(cls)
    return cached


_ADAPTERS: dict[type[Any], Any] = {}


def from_dict(cls: type[_T], data: Mapping[str, Any]) -> _T:
    """Validate ``data`` against the dataclass ``cls`` (recursively) and build it.

    Raises ``ValueError`` naming the offending field when the data does not fit the contract.
    """
    from pydantic import ValidationError

    try:
        value: _T = _adapter(cls).validate_python(dict(data))
    except ValidationError as exc:
        raise ValueError(f"not a valid {cls.__name__}: {exc}") from None
    return value


class JsonRoundTrip:
    """Mixin giving a frozen dataclass ``to_dict``/``from_dict`` through :func:`to_dict` and :func:`from_dict`.

    The agent's and the benchmarks' data types use it, so every record the project writes (a run log line, a
    checkpointed attempt) is encoded and validated the same way.
    """

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (enums as their values, non-finite floats as strings)."""
        return to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild from :meth:`to_dict` output; raises ``ValueError`` naming the field that does not fit."""
        return from_dict(cls, data)


def json_schema(cls: type[Any]) -> dict[str, Any]:
    """The JSON Schema of one of this module's dataclasses (what ``optagent run --json`` emits)."""
    schema: dict[str, Any] = _adapter(cls).json_schema()
    return schema
