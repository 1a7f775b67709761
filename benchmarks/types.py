"""The benchmark layer's data: suite items, what a run predicted, how it scored, and the run log's records.

These types are the contract between the parts of ``benchmarks/``: the suite registry produces items
(:class:`Item`), the runner and the replay turn program runs into predictions (:class:`Prediction`), a scoring
preset turns a prediction into a :class:`Score`, and every scored item is one :class:`ItemRecord` line of a run log
that the report reads back.
All are frozen dataclasses with a JSON round trip (``to_dict``/``from_dict``, validated by pydantic through the
solver layer's encoder), so a run log written by one version can be read, checked and reported by another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from solvers.types import JsonRoundTrip

__all__ = [
    "AnswerStatus",
    "ErrorCategory",
    "Item",
    "ItemRecord",
    "Prediction",
    "PredictionStatus",
    "RunSpec",
    "SampleRecord",
    "Score",
    "SuiteInfo",
    "UpstreamFile",
]


_Serializable = JsonRoundTrip


class AnswerStatus(StrEnum):
    """What a suite's ground truth says (the ``answer_status`` field of the normalized suites)."""

    OK = "ok"
    """A finite optimal objective value."""
    INFEASIBLE = "infeasible"
    """The source marks the problem infeasible ("No Best Solution", -9999)."""
    PLACEHOLDER = "placeholder"
    """A sentinel (-99999) without a consistent meaning: not scorable."""
    MISSING = "missing"
    """No usable answer: not scorable."""


@dataclass(frozen=True, slots=True)
class UpstreamFile(_Serializable):
    """Where a default suite comes from, pinned: a file of a public repository at one commit, with its sha256."""

    repo: str
    """``owner/name`` on the code host."""
    commit: str
    path: str
    sha256: str
    converter: str = "sirl"
    """How the upstream records become items (:class:`Item`) (a name in the registry's converter table)."""

    @property
    def relative_url(self) -> str:
        """``owner/name/commit/path``: appended to a raw-file base URL or a mirror directory."""
        return f"{self.repo}/{self.commit}/{self.path}"


@dataclass(frozen=True, slots=True)
class SuiteInfo(_Serializable):
    """One registered suite: a benchmark in one version (variant); scores compare only within a variant."""

    name: str
    benchmark: str
    variant: str
    items: int
    version: str
    """Content version: the first 12 hex digits of the sha256 of the suite file as loaded."""
    path: str
    default: bool = False
    """True for the benchmark's default variant (the file named after the benchmark alone)."""
    upstream: UpstreamFile | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class Item(_Serializable):
    """One problem of a suite with its ground truth."""

    id: str
    suite: str
    question: str
    answer: float | None
    answer_status: AnswerStatus
    answer_raw: str = ""
    benchmark: str = ""
    variant: str = ""
    extras: Mapping[str, Any] = field(default_factory=dict)
    """Source-specific fields kept as they are: ``difficulty``, ``problem_type``, ``tables``, ``results`` (the named
    values ReSocratic scores), ``reference_code``, ..."""

    @property
    def scorable(self) -> bool:
        """Whether the ground truth can judge a prediction (a number, or a reliable infeasible label)."""
        return self.answer_status in (AnswerStatus.OK, AnswerStatus.INFEASIBLE)


class PredictionStatus(StrEnum):
    """What a program's run amounts to, in the terms every anchor's scoring rule uses."""

    SOLVED = "solved"
    """A finite objective value was produced."""
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    NO_OBJECTIVE = "no_objective"
    """The program ran but gave no objective (no solve call, a solver error, a limit without a solution)."""
    NO_CODE = "no_code"
    """The completion contained no program."""
    ERROR = "error"
    """The program failed (syntax error, exception, sandbox violation, memory limit)."""
    TIMEOUT = "timeout"


@dataclass(frozen=True, slots=True)
class Prediction(_Serializable):
    """A prediction to score: the status and objective of a run, plus what rules beyond the objective look at."""

    status: PredictionStatus
    objective: float | None = None
    values: Mapping[str, float] = field(default_factory=dict)
    """Named values (variables and objective) for rules that check more than the objective (ReSocratic)."""
    stdout: str = ""
    """What the program printed: the SIRL rule looks for "nfeasible" in it."""
    detail: str = ""
    """Why the status is what it is (the error line, the solver status), for the report."""


class ErrorCategory(StrEnum):
    """The report's error taxonomy: every scored item falls in exactly one."""

    CORRECT = "correct"
    NO_CODE = "no_code"
    RUNTIME_ERROR = "runtime_error"
    INFEASIBLE = "infeasible"
    """Predicted infeasible (or unbounded) where the ground truth has an optimum."""
    WRONG_OBJECTIVE = "wrong_objective"
    """A value (or a wrong infeasible verdict: a number where the ground truth says infeasible)."""
    TIMEOUT = "timeout"
    NO_ANSWER = "no_answer"
    """Ran without an objective value (no solve call, a solver error, a limit without a solution)."""
    UNSCORABLE = "unscorable"
    """The item's ground truth is a placeholder or missing."""


@dataclass(frozen=True, slots=True)
class Score(_Serializable):
    """A prediction judged by one preset, always next to the strict rule."""

    preset: str
    passed: bool
    """Correct under ``preset`` (fallbacks included)."""
    strict: bool
    """Correct under ``strict`` (``|p-g|/(|g|+1) <= 1e-6``, no fallbacks)."""
    category: ErrorCategory
    fallback: str | None = None
    """The fallback that made this pass when the first judgement failed (e.g. ``sirl_type_flip``,
    ``sirl_timeout_infeasible``); None when it passed (or failed) on its own. Reports count these apart."""
    expected: float | None = None
    predicted: float | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class SampleRecord(_Serializable):
    """One sampled answer to an item (pass@k has k of them): the completion, the program, its run and score."""

    index: int
    completion: str = ""
    program: str = ""
    dialect: str = ""
    code_run: Mapping[str, Any] | None = None
    """:meth:`solvers.CodeRun.to_dict` of the final run (kept as a dict so old logs stay readable)."""
    prediction: Prediction | None = None
    score: Score | None = None
    repair_rounds: int = 0


@dataclass(frozen=True, slots=True)
class ItemRecord(_Serializable):
    """One line of a run log: an item, everything the run did for it, and the verdict.

    The runner writes exactly one record per (run, item), appended atomically; a resumed run skips the items that
    already have one, so an interrupted run neither loses nor repeats an item.
    """

    item_id: str
    suite: str
    question: str = ""
    answer: float | None = None
    answer_status: AnswerStatus = AnswerStatus.OK
    extras: Mapping[str, Any] = field(default_factory=dict)
    """The item's ``difficulty``/``problem_type``/... (the report groups by these)."""
    prompts: tuple[Any, ...] = ()
    """The prompt(s) sent: chat message lists or plain strings, in the order they were sent."""
    samples: tuple[SampleRecord, ...] = ()
    final: SampleRecord | None = None
    """The answer the system gives (the voted sample, or the only one)."""
    score: Score | None = None
    """The final answer's score under the run's preset."""
    pass_at_k: bool | None = None
    """Some sample is correct under the preset (None with one sample)."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    error: str = ""
    """An infrastructure failure for this item (the LLM endpoint failing after retries), not a wrong answer."""


@dataclass(frozen=True, slots=True)
class RunSpec(_Serializable):
    """What a run was: enough to reproduce it and to refuse to resume it with different settings."""

    run_id: str
    suites: Mapping[str, str]
    """Suite name -> version."""
    llm: str
    preset: str
    samples: int = 1
    parameters: Mapping[str, Any] = field(default_factory=dict)
    """Temperature, max tokens, dialect, repairs, time limit, limit, ...: everything that changes the answers."""
    packages: Mapping[str, str] = field(default_factory=dict)
    git_revision: str = ""
    created: str = ""
    """ISO 8601 UTC."""
    kind: str = "run"
    """``run`` (the agent answered) or ``replay`` (recorded completions re-scored)."""
