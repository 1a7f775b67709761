"""The agent's data: the problem it is given, what it formulates, each attempt it makes and what it answers.

Every type here is a frozen dataclass of plain values (plus the solver layer's own frozen results), so a whole run
of the agent can be checkpointed by the graph, written to a benchmark's run log, shown in the web UI and read back
with :meth:`to_dict` / :meth:`from_dict` unchanged. This module imports neither LangGraph nor any LLM SDK: the
benchmark runner and the web app import :class:`Problem` and :class:`AgentResult` without loading either.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from solvers import CodeRun, ModelProgram, ObjectiveSense, Termination
from solvers.types import JsonRoundTrip

__all__ = [
    "AgentResult",
    "AgentStatus",
    "Attempt",
    "AttemptKind",
    "Check",
    "CheckStatus",
    "Cluster",
    "Constraint",
    "Formulation",
    "Objective",
    "Problem",
    "Symbol",
    "Table",
    "TokenUsage",
    "VarType",
    "Variable",
]


_Serializable = JsonRoundTrip


# -- the problem ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Table(_Serializable):
    """A named data table that comes with a problem (benchmarks such as IndustryOR ship CSV attachments)."""

    name: str
    csv: str
    """The table as CSV text, header first; kept as text so the prompt and the program see the same bytes."""


@dataclass(frozen=True, slots=True)
class Problem(_Serializable):
    """An optimization problem in words: what the user (or a benchmark item) hands the agent."""

    text: str
    tables: tuple[Table, ...] = ()
    id: str = ""
    """Stable within its source, e.g. ``nl4opt/test/0042``; empty for an ad-hoc problem."""


# -- the formulation -----------------------------------------------------------------------------------------------


class VarType(StrEnum):
    """Domain of a decision variable, as the formulation states it."""

    CONTINUOUS = "continuous"
    INTEGER = "integer"
    BINARY = "binary"


@dataclass(frozen=True, slots=True)
class Symbol(_Serializable):
    """A set or a parameter of a formulation: a name and what it stands for (values, when stated, in ``value``)."""

    name: str
    description: str = ""
    value: str = ""


@dataclass(frozen=True, slots=True)
class Variable(_Serializable):
    """A decision variable of a formulation."""

    name: str
    type: VarType = VarType.CONTINUOUS
    lower: float | None = None
    """None when the formulation states no lower bound (not "zero": the check must see what was written)."""
    upper: float | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class Objective(_Serializable):
    """The objective of a formulation: its direction and the expression as written."""

    sense: ObjectiveSense
    expression: str = ""


@dataclass(frozen=True, slots=True)
class Constraint(_Serializable):
    """One constraint (or indexed family) of a formulation, named so solver diagnoses can point back at it."""

    name: str
    expression: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class Formulation(_Serializable):
    """The structured formulation an LLM writes before the program.

    ``text`` is the markdown as written and is always kept; the parsed sections are filled in when the parser could
    read them and stay empty otherwise, so a formulation the parser does not understand still travels whole.
    """

    text: str
    sets: tuple[Symbol, ...] = ()
    parameters: tuple[Symbol, ...] = ()
    variables: tuple[Variable, ...] = ()
    objective: Objective | None = None
    constraints: tuple[Constraint, ...] = ()


# -- checks --------------------------------------------------------------------------------------------------------


class CheckStatus(StrEnum):
    """Verdict of one check. ``fail`` asks for a repair, ``warn`` suggests one, ``skip`` says it could not judge."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class Check(_Serializable):
    """One solver-informed check of an attempt (see :mod:`agent.checks`)."""

    name: str
    status: CheckStatus
    message: str = ""
    """Written to be pasted into a repair prompt as is: what is wrong, the evidence, and what to change."""
    details: Mapping[str, Any] = field(default_factory=dict)
    """Machine-readable evidence (conflicting rows, fractional values, matched wording); JSON values only."""

    @property
    def failed(self) -> bool:
        """True for ``fail``."""
        return self.status is CheckStatus.FAIL

    @property
    def actionable(self) -> bool:
        """True for ``fail`` and ``warn``: the checks whose message belongs in repair feedback."""
        return self.status in (CheckStatus.FAIL, CheckStatus.WARN)


# -- attempts and the result -----------------------------------------------------------------------------------------


class AttemptKind(StrEnum):
    """How an attempt came about."""

    INITIAL = "initial"
    REPAIR = "repair"
    """Written from a previous attempt (``parent``) and the feedback its checks produced."""
    SAMPLE = "sample"
    """One of k independent samples for self-consistency voting."""


@dataclass(frozen=True, slots=True)
class Attempt(_Serializable):
    """One formulation + program + run + checks. Every attempt is kept, failed ones included."""

    index: int
    kind: AttemptKind = AttemptKind.INITIAL
    formulation: str = ""
    """The formulation text this attempt's program was written from (see :class:`Formulation` for the parse)."""
    program: ModelProgram | None = None
    """None when the completion contained no program to run."""
    run: CodeRun | None = None
    """None when there was no program, so nothing ran."""
    checks: tuple[Check, ...] = ()
    feedback: str = ""
    """What the repair step was told when it wrote this attempt (empty for initial and sampled attempts)."""
    completions: tuple[str, ...] = ()
    """The raw LLM completion(s) the attempt was parsed from, kept for replay and for the experience library."""
    parent: int | None = None
    """Index of the attempt this one repairs."""

    @property
    def ok(self) -> bool:
        """True when the program ran, solved, and no check failed."""
        return self.run is not None and self.run.ok and not any(c.failed for c in self.checks)

    @property
    def termination(self) -> Termination | None:
        """Termination of the answering solve, None when there was none."""
        result = self.run.result if self.run is not None else None
        return result.termination if result is not None else None

    @property
    def objective_value(self) -> float | None:
        """Objective of the answering solve when it has a solution, else None."""
        result = self.run.result if self.run is not None else None
        return result.objective_value if result is not None and result.has_solution else None


class AgentStatus(StrEnum):
    """How the agent's run ended."""

    SOLVED = "solved"
    NO_VALID_MODEL = "no_valid_model"
    """Every attempt failed its checks within the budget; the attempts are still in the result."""


@dataclass(frozen=True, slots=True)
class TokenUsage(_Serializable):
    """Tokens spent by all LLM calls of a run (0 where a backend does not report them)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.calls + other.calls,
        )


@dataclass(frozen=True, slots=True)
class Cluster(_Serializable):
    """One group of attempts that agree (status, objective within tolerance, model structure) in a vote."""

    key: str
    """A readable signature of what the members share, e.g. ``optimal|maximize|21|c2i0b0|r4``."""
    attempts: tuple[int, ...]
    termination: Termination = Termination.UNKNOWN
    objective_value: float | None = None

    @property
    def size(self) -> int:
        """Number of attempts in the cluster."""
        return len(self.attempts)


@dataclass(frozen=True, slots=True)
class AgentResult(_Serializable):
    """What the agent returns for one problem: the chosen attempt, every attempt, and how sure it is."""

    status: AgentStatus
    attempts: tuple[Attempt, ...] = ()
    chosen: int | None = None
    """Index (``Attempt.index``) of the answer; None when no attempt produced a valid model."""
    confidence: float = 0.0
    """In [0, 1]: the chosen cluster's share of the votes, or a check-based score for a single attempt."""
    clusters: tuple[Cluster, ...] = ()
    usage: TokenUsage = field(default_factory=TokenUsage)
    timings: Mapping[str, float] = field(default_factory=dict)
    """Seconds per stage (``formulate``, ``write_program``, ``execute``, ``check``, ``total``, ...)."""
    problem_id: str = ""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.confidence) and 0.0 <= self.confidence <= 1.0):
            raise ValueError(f"confidence must lie in [0, 1], got {self.confidence!r}")
        if self.chosen is not None and all(a.index != self.chosen for a in self.attempts):
            raise ValueError(f"chosen attempt {self.chosen} is not among the attempts")

    @property
    def answer(self) -> Attempt | None:
        """The chosen attempt, or None."""
        return next((a for a in self.attempts if a.index == self.chosen), None)
