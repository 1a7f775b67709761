"""The benchmark runner: the agent on every item of some suites, concurrently, into a resumable run log.

One event loop drives everything. Up to ``concurrency`` items are in flight at once (a semaphore), each a call of
the agent's own async :func:`agent.graph.solve`; their programs share one :class:`solvers.SandboxPool`, whose warm
workers are what make a run cheap. When an item finishes, its samples are scored under the run's preset (strict
alongside, always) and one :class:`~benchmarks.types.ItemRecord` is appended to ``records.jsonl`` atomically
(:mod:`benchmarks.runlog`), so a run killed at any point resumes with nothing lost or repeated.

What an item's record holds comes from two places: the agent's :class:`~agent.types.AgentResult` (attempts,
programs, runs, the voted answer) and a thin :class:`RecordingLLM` around the backend, which keeps the exact chat
messages sent and the tokens and time each call cost — the agent's result keeps completions, not prompts.

Samples and pass@k: with ``samples = k`` the agent writes k programs in one ``n = k`` request and votes. Each of the
k programs, followed through its repair chain to the last attempt, is one :class:`~benchmarks.types.SampleRecord`;
the final answer is the voted attempt's sample (or, when no attempt was valid, the most recent one, which still
carries e.g. an infeasible verdict a preset may accept).
"""

from __future__ import annotations

import asyncio
import datetime as _dt
import json
import os
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.llm import (
    LLMAuthError,
    LLMBackend,
    LLMConnectionError,
    LLMError,
    LLMModelNotFoundError,
    LLMRequest,
    LLMResponse,
    LLMResponseError,
    LLMTimeoutError,
    LLMWrapper,
    MockLLM,
)
from agent.llm.types import last_user_message
from agent.types import AgentResult, Attempt, AttemptKind, Problem
from benchmarks.batch import NoCompletionsLLM, PendingCompletion, PendingPrompt, StoredCompletionsLLM, write_pending
from benchmarks.provenance import KEY_PACKAGES, git_revision, package_versions
from benchmarks.runlog import RunLog
from benchmarks.scoring import PRESETS, prediction_from_run, score
from benchmarks.types import Item, ItemRecord, Prediction, RunSpec, SampleRecord, SuiteInfo
from solvers import ModelProgram, SandboxError, SandboxPool, SandboxSettings

if TYPE_CHECKING:
    from agent.checks import Diagnoser

__all__ = [
    "KEY_PACKAGES",
    "ItemOutcome",
    "RecordingLLM",
    "RunOptions",
    "RunResult",
    "build_record",
    "first_prompts",
    "load_suites",
    "make_spec",
    "mock_from_file",
    "run_benchmark",
]


_TRANSIENT = (LLMConnectionError, LLMTimeoutError, LLMAuthError, LLMModelNotFoundError, SandboxError)
"""Failures of the infrastructure, not of the item: the item gets no record, and a resumed run retries it."""


# -- options and the spec -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunOptions:
    """Everything a run is configured with, apart from the suites and the output directory."""

    llm: str
    """The LLM spec string as given (``openai/gpt-4o``, ``mock/answers.json``, ``replay/out.jsonl``)."""
    preset: str = "strict"
    samples: int = 1
    limit: int | None = None
    """The first ``limit`` items of each suite."""
    concurrency: int = 4
    dialect: str = "pyomo"
    max_repairs: int = 2
    time_limit_s: float | None = None
    max_tokens: int | None = 4096
    temperature: float = 0.0
    sample_temperature: float = 0.7
    seed: int | None = 0

    def __post_init__(self) -> None:
        """Check every setting, naming the command-line flag too, so the CLI needs no second copy of the checks."""
        from agent.prompts import dialect_name

        checks = (
            (1 <= self.samples <= 64, "samples (--samples) must be between 1 and 64", self.samples),
            (self.limit is None or self.limit > 0, "limit (--limit) must be a positive number of items", self.limit),
            (self.concurrency >= 1, "concurrency (--concurrency) must be at least 1", self.concurrency),
            (0 <= self.max_repairs <= 10, "max_repairs (--max-repairs) must be between 0 and 10", self.max_repairs),
            (
                self.time_limit_s is None or self.time_limit_s > 0,
                "time_limit_s (--time-limit) must be a positive number of seconds",
                self.time_limit_s,
            ),
            (
                self.max_tokens is None or self.max_tokens > 0,
                "max_tokens (--max-tokens) must be positive",
                self.max_tokens,
            ),
        )
        for ok, message, value in checks:
            if not ok:
                raise ValueError(f"{message}, got {value}")
        if self.preset not in PRESETS:
            raise ValueError(f"unknown preset {self.preset!r} (--preset); choose one of: {', '.join(PRESETS)}")
        object.__setattr__(self, "dialect", dialect_name(self.dialect))  # raises for an unknown one, names them all

    def parameters(self) -> dict[str, Any]:
        """The run spec's ``parameters``: what changes answers, plus ``limit`` and ``concurrency`` (which do not)."""
        return {
            "dialect": self.dialect,
            "max_repairs": self.max_repairs,
            "time_limit_s": self.time_limit_s,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "sample_temperature": self.sample_temperature,
            "seed": self.seed,
            "limit": self.limit,
            "concurrency": self.concurrency,
        }


def make_spec(suites: Sequence[SuiteInfo], options: RunOptions) -> RunSpec:
    """The run spec: suites with their content versions, the LLM, the preset, parameters, packages, git, time."""
    created = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    return RunSpec(
        run_id=f"{created.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}",
        suites={info.name: info.version for info in suites},
        llm=options.llm,
        preset=options.preset,
        samples=options.samples,
        parameters=options.parameters(),
        packages=package_versions(),
        git_revision=git_revision(),
        created=created.isoformat().replace("+00:00", "Z"),
    )


def load_suites(names: Sequence[str], limit: int | None = None) -> list[tuple[SuiteInfo, list[Item]]]:
    """Each suite (a registered name or a file path) with its first ``limit`` items.

    Raises:
        benchmarks.suites.SuiteError: an unknown suite or an unreadable file (the message names close matches).
    """
    from benchmarks import suites as registry

    loaded = []
    for name in names:
        try:
            info = registry.get_suite(name)
            items = registry.load_items(name)
        except registry.SuiteError:
            if not Path(name).expanduser().is_file():
                raise
            info = registry.suite_info_for_path(name)
            items = registry.load_items(Path(name).expanduser())
        loaded.append((info, items[:limit] if limit is not None else items))
    return loaded


# -- the LLM side ---------------------------------------------------------------------------------------------------


def mock_from_file(path: str | Path) -> MockLLM:
    """A scripted backend for dry runs and tests, keyed by prompt so it answers the same under any concurrency.

    The file is a JSON object: each key is a substring looked for in the request's last user message (in file
    order; the first that occurs wins, ``"*"`` matches anything) and each value the reply — a string, or a list of
    strings given to the successive samples of an ``n = k`` request (cycled when shorter). Because the reply does
    not depend on what came before, one reply per problem in the optagent layout (``## Formulation`` and
    ``## Program``) serves both the formulation and the program request, and a resumed run gets the same answers.
    (A JSON *list* is the in-order script of ``optagent solve --llm mock/FILE``; it is accepted too.)
    """
    file = Path(path)
    data = json.loads(file.read_text(encoding="utf-8"))
    if isinstance(data, list):
        if not all(isinstance(o, str) for o in data):
            raise ValueError(f"{file}: a mock script list must hold strings")
        return MockLLM(data, model=file.name)
    if not isinstance(data, dict) or not data:
        raise ValueError(f"{file}: a mock file must hold a JSON object {{prompt substring: reply}} or a list")
    rules: list[tuple[str, list[str]]] = []
    for key, value in data.items():
        replies = [value] if isinstance(value, str) else value
        if not isinstance(replies, list) or not replies or not all(isinstance(r, str) for r in replies):
            raise ValueError(f"{file}: the reply for {key!r} must be a string or a non-empty list of strings")
        rules.append((key, replies))

    def reply(request: LLMRequest) -> list[str]:
        prompt = last_user_message(request.messages)
        for key, replies in rules:
            if key == "*" or key in prompt:
                return [replies[i % len(replies)] for i in range(request.n)]
        raise LLMResponseError(f'the mock file {file} has no reply for the prompt {prompt[:80]!r}; add a "*" key')

    return MockLLM(reply, model=file.name)


@dataclass(frozen=True, slots=True)
class Exchange:
    """One LLM call of an item: what was sent and what it cost (the completions live in the agent's attempts)."""

    request: LLMRequest
    prompt_tokens: int
    completion_tokens: int
    latency_s: float


class RecordingLLM(LLMWrapper):
    """Keeps every request an item's agent sends (and what it cost), and the requests left pending in batch mode."""

    def __init__(self, inner: LLMBackend) -> None:
        super().__init__(inner)
        self.exchanges: list[Exchange] = []
        self.pending: list[LLMRequest] = []

    async def generate(self, request: LLMRequest) -> LLMResponse:
        """Forward and record; a :class:`~benchmarks.batch.PendingCompletion` is noted and re-raised."""
        started = time.perf_counter()
        try:
            response = await self.inner.generate(request)
        except PendingCompletion:
            self.pending.append(request)
            raise
        usage = response.usage
        self.exchanges.append(
            Exchange(
                request,
                usage.prompt_tokens if usage else 0,
                usage.completion_tokens if usage else 0,
                response.latency_s or (time.perf_counter() - started),
            )
        )
        return response


# -- one item -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ItemOutcome:
    """What happened to one item in this invocation: a record, pending prompts, or a failure to retry."""

    item: Item
    record: ItemRecord | None = None
    pending: tuple[PendingPrompt, ...] = ()
    failure: str = ""


def _chains(attempts: Sequence[Attempt]) -> list[list[Attempt]]:
    """Each initial or sampled attempt followed through its repairs (every failed attempt gets one repair)."""
    child = {a.parent: a for a in attempts if a.kind is AttemptKind.REPAIR and a.parent is not None}
    chains = []
    for root in (a for a in attempts if a.parent is None):
        chain = [root]
        while chain[-1].index in child:
            chain.append(child[chain[-1].index])
        chains.append(chain)
    return chains


def build_record(
    item: Item,
    result: AgentResult,
    exchanges: Sequence[Exchange],
    preset: str,
    *,
    rerun: Callable[[str, str], Prediction] | None = None,
    latency_s: float = 0.0,
) -> ItemRecord:
    """Score every sample of an agent result and assemble the item's record (blocking: retries may run code).

    ``rerun(source, dialect)`` runs a rewritten program for the presets with fallbacks (``sirl``, ``optmath``).
    """

    def sample(index: int, chain: list[Attempt]) -> SampleRecord:
        last = chain[-1]
        program = last.program
        dialect = program.dialect.value if program is not None and program.dialect is not None else ""
        prediction = prediction_from_run(last.run, program_found=program is not None)
        judged = score(
            item,
            prediction,
            preset,
            program=program.source if program is not None else None,
            rerun=(lambda source: rerun(source, dialect)) if rerun is not None else None,
        )
        return SampleRecord(
            index=index,
            completion=last.completions[0] if last.completions else "",
            program=program.source if program is not None else "",
            dialect=dialect,
            code_run=last.run.to_dict() if last.run is not None else None,
            prediction=prediction,
            score=judged,
            repair_rounds=len(chain) - 1,
        )

    chains = _chains(result.attempts)
    samples = tuple(sample(i, chain) for i, chain in enumerate(chains))
    final: SampleRecord | None = None
    if chains:
        target = result.chosen if result.chosen is not None else result.attempts[-1].index
        final = next(
            (s for s, c in zip(samples, chains, strict=True) if any(a.index == target for a in c)), samples[-1]
        )
    return ItemRecord(
        **_item_fields(item, exchanges, latency_s),
        samples=samples,
        final=final,
        score=final.score if final is not None else None,
        pass_at_k=None if len(samples) < 2 else any(s.score is not None and s.score.passed for s in samples),
    )


def _item_fields(item: Item, exchanges: Sequence[Exchange], latency_s: float) -> dict[str, Any]:
    """The fields every record of an item has, answered or not: the item, the prompts sent, their cost."""
    return {
        "item_id": item.id,
        "suite": item.suite,
        "question": item.question,
        "answer": item.answer,
        "answer_status": item.answer_status,
        "extras": dict(item.extras),
        "prompts": tuple([m.to_dict() for m in e.request.messages] for e in exchanges),
        "prompt_tokens": sum(e.prompt_tokens for e in exchanges),
        "completion_tokens": sum(e.completion_tokens for e in exchanges),
        "latency_s": latency_s,
    }


@dataclass
class _Shared:
    """What every item of a run uses: the options, the backend, the sandbox pool and the run log."""

    options: RunOptions
    llm: LLMBackend
    pool: SandboxPool
    log: RunLog | None
    diagnoser: Diagnoser | None = None
    on_outcome: Callable[[ItemOutcome], None] | None = None

    def rerun(self, source: str, dialect: str) -> Prediction:
        program = ModelProgram.from_source(source, dialect or None)
        return prediction_from_run(self.pool.run(program, time_limit_s=self.options.time_limit_s))


async def _run_item(item: Item, shared: _Shared) -> ItemOutcome:
    from agent.graph import AgentContext, solve

    options = shared.options
    recorder = RecordingLLM(shared.llm)
    context = AgentContext(
        llm=recorder,
        executor=shared.pool,
        dialect=options.dialect,
        samples=options.samples,
        max_repairs=options.max_repairs,
        temperature=options.temperature,
        sample_temperature=options.sample_temperature,
        max_tokens=options.max_tokens,
        seed=options.seed,
        time_limit_s=options.time_limit_s,
        diagnoser=shared.diagnoser,
    )
    started = time.perf_counter()
    try:
        result = await solve(Problem(text=item.question, id=item.id), context)
    except PendingCompletion:
        await asyncio.sleep(0)  # let sibling requests of the same round (repairs, in a gather) register theirs too
        pending = tuple(
            PendingPrompt(item.suite, item.id, len(recorder.exchanges) + i, request)
            for i, request in enumerate(recorder.pending)
        )
        return ItemOutcome(item, pending=pending)
    except _TRANSIENT as exc:
        return ItemOutcome(item, failure=f"{type(exc).__name__}: {exc}")
    except LLMError as exc:
        status = exc.status if isinstance(exc, LLMResponseError) else None
        if status is not None and (status >= 500 or status == 429):
            return ItemOutcome(item, failure=f"{type(exc).__name__}: {exc}")
        # The server refused this item's prompt (too long, filtered) or a scripted backend has no answer for it:
        # retrying cannot help, so the item is recorded, with the error instead of an answer.
        fields = _item_fields(item, recorder.exchanges, time.perf_counter() - started)
        record = ItemRecord(**fields, error=f"{type(exc).__name__}: {exc}")
    else:
        record = await asyncio.to_thread(
            build_record,
            item,
            result,
            recorder.exchanges,
            options.preset,
            rerun=shared.rerun,
            latency_s=time.perf_counter() - started,
        )
    if shared.log is not None:
        await asyncio.to_thread(shared.log.append, record)
    return ItemOutcome(item, record=record)


async def _run_items(items: Sequence[Item], shared: _Shared) -> list[ItemOutcome]:
    semaphore = asyncio.Semaphore(shared.options.concurrency)

    async def guarded(item: Item) -> ItemOutcome:
        async with semaphore:
            try:
                outcome = await _run_item(item, shared)
            except Exception as exc:  # a bug on one item must not lose the others' records
                outcome = ItemOutcome(item, failure=f"{type(exc).__name__}: {exc}")
        if shared.on_outcome is not None:
            shared.on_outcome(outcome)
        return outcome

    return list(await asyncio.gather(*(guarded(item) for item in items)))


# -- a whole run ----------------------------------------------------------------------------------------------------


@dataclass
class RunResult:
    """The outcome of one invocation of the runner."""

    run_dir: Path
    spec: RunSpec
    records: list[ItemRecord]
    """Every record of the run log, earlier invocations' included."""
    outcomes: list[ItemOutcome] = field(default_factory=list)
    """This invocation's items (those skipped as done are not here)."""
    skipped: int = 0
    elapsed_s: float = 0.0

    @property
    def written(self) -> int:
        """Records this invocation added."""
        return sum(1 for o in self.outcomes if o.record is not None)

    @property
    def pending(self) -> list[PendingPrompt]:
        """Prompts that had no completion (batch mode): export them for the next round."""
        return [p for o in self.outcomes for p in o.pending]

    @property
    def failures(self) -> list[ItemOutcome]:
        """Items that failed for a retryable reason (no record: a resumed run does them again)."""
        return [o for o in self.outcomes if o.failure]

    def summary(self) -> dict[str, Any]:
        """:func:`benchmarks.metrics.summarize` of the whole run log."""
        from benchmarks.metrics import summarize

        return summarize(self.records)


def _pool_for(options: RunOptions) -> SandboxPool:
    workers = max(1, min(options.concurrency * options.samples, os.cpu_count() or 1))
    return SandboxPool(SandboxSettings.from_env(workers=workers))


async def run_benchmark(
    suites: Sequence[tuple[SuiteInfo, Sequence[Item]]],
    options: RunOptions,
    run_dir: str | Path,
    llm: LLMBackend,
    *,
    resume: bool = False,
    pool: SandboxPool | None = None,
    on_outcome: Callable[[ItemOutcome], None] | None = None,
) -> RunResult:
    """Run the agent on every item not yet recorded in ``run_dir`` and append one record per finished item.

    Args:
        suites: What :func:`load_suites` returns.
        options: The run's settings (they go into the spec; a resume must repeat the answer-changing ones).
        run_dir: The run directory (created if needed).
        llm: The backend; it is wrapped so every completion is also kept in ``run_dir/completions.jsonl``. It is
            closed at the end.
        resume: Continue the run already in ``run_dir`` (refused if its spec's answer-changing fields differ).
        pool: A sandbox pool to use (left open); by default one sized ``concurrency × samples`` is made and closed.
        on_outcome: Called on the event loop after each item (progress display).

    Raises:
        benchmarks.runlog.RunLogError: the run directory cannot be used (see :meth:`RunLog.open`).
    """
    from agent.checks import Diagnoser

    started = time.perf_counter()
    spec = make_spec([info for info, _ in suites], options)
    own_pool = pool is None
    with RunLog.open(run_dir, spec, resume=resume) as log:
        done = log.done
        todo = [item for _, items in suites for item in items if (item.suite, item.id) not in done]
        skipped = sum(len(items) for _, items in suites) - len(todo)
        stored = StoredCompletionsLLM(llm, log.run_dir)
        active_pool = pool if pool is not None else _pool_for(options)
        try:
            shared = _Shared(options, stored, active_pool, log, Diagnoser(active_pool), on_outcome)
            outcomes = await _run_items(todo, shared)
        finally:
            await stored.aclose()
            if own_pool:
                active_pool.close()
        result = RunResult(log.run_dir, log.spec, list(log.records), outcomes, skipped)
        write_pending(log.run_dir, result.pending)
    result.elapsed_s = time.perf_counter() - started
    return result


async def first_prompts(items: Sequence[Item], options: RunOptions, model: str = "batch") -> list[PendingPrompt]:
    """The first prompt the agent sends for each item, found by running it against a backend with no completions.

    This is batch mode's round 1 (:mod:`benchmarks.batch`); asking the agent instead of rebuilding its prompts
    here means the export can never drift from what a run will send. No program runs, so the pool never starts.
    """
    pool = SandboxPool(SandboxSettings.from_env(workers=1))
    try:
        shared = _Shared(options, NoCompletionsLLM(model), pool, None)
        outcomes = await _run_items(items, shared)
    finally:
        pool.close()
    failures = [o for o in outcomes if o.failure]
    if failures:
        raise RuntimeError(f"could not build the prompt of {failures[0].item.id}: {failures[0].failure}")
    return [p for o in outcomes for p in o.pending]
