"""The agent's LangGraph graph: retrieve → formulate → write program → execute → check → repair or vote → answer.

State holds only data (the problem, the formulation, every attempt), so it can be logged, checkpointed and shown;
the objects with behaviour (the LLM, the sandbox pool, the diagnoser, the retriever) live in :class:`AgentContext`
and reach the nodes through LangGraph's runtime.

Self-consistency: ``samples`` programs are written from one formulation (in one ``n=k`` request), run, checked,
and clustered by status, objective (relative tolerance) and structure (sense, variable-type counts, constraint
count); the best-supported cluster wins and its share of the samples is the confidence. Repair: when no attempt of
a round is valid, each failed one gets targeted feedback from its checks, for at most ``max_repairs`` rounds.
"""

from __future__ import annotations

import asyncio
import math
import operator
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from agent.checks import Diagnoser, run_checks, summarize_feedback
from agent.llm import LLMBackend, LLMRequest, Message
from agent.parsing import parse_response
from agent.prompts import formulation_messages, has_tabular_data, program_messages, repair_messages
from agent.types import (
    AgentResult,
    AgentStatus,
    Attempt,
    AttemptKind,
    Check,
    CheckStatus,
    Cluster,
    Problem,
    TokenUsage,
)
from solvers import CodeRun, ModelProgram, SandboxPool, Termination

__all__ = ["AgentContext", "AgentState", "build_graph", "cluster_attempts", "solve", "solve_sync"]

Event = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class Draft:
    """A program waiting to run: where it came from and what it was told."""

    source: str | None
    formulation: str
    completion: str
    kind: AttemptKind
    parent: int | None = None
    feedback: str = ""


@dataclass
class AgentState:
    """Everything the graph knows about one problem; plain data only."""

    problem: Problem
    insights: list[str] = field(default_factory=list)
    formulation: str = ""
    drafts: list[Draft] = field(default_factory=list)
    """Programs written in this round, run by ``execute``."""
    attempts: Annotated[list[Attempt], operator.add] = field(default_factory=list)
    """Append-only: a node returns ``{"attempts": [new]}`` and the reducer concatenates."""
    round: int = 0
    """Repair rounds done so far."""
    usage: TokenUsage = field(default_factory=TokenUsage)
    chosen: int | None = None
    confidence: float = 0.0
    clusters: list[Cluster] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(kw_only=True)
class AgentContext:
    """The clients the nodes use, and the knobs of one run."""

    llm: LLMBackend
    executor: SandboxPool
    dialect: str = "pyomo"
    samples: int = 1
    max_repairs: int = 2
    temperature: float = 0.0
    """Used for the formulation and single-sample programs; sampling uses ``sample_temperature``."""
    sample_temperature: float = 0.7
    max_tokens: int | None = 4096
    seed: int | None = 0
    time_limit_s: float | None = None
    objective_rel_tol: float = 1e-6
    diagnoser: Diagnoser | None = None
    retriever: Callable[[Problem], Sequence[str]] | None = None
    """The experience-library hook: insights to inject into the prompts (none until the library exists)."""
    on_event: Event | None = None
    """Progress callback for the CLI and the web UI: ``(stage, details)``."""

    def emit(self, stage: str, **details: Any) -> None:
        """Report progress; a failing callback never stops the agent."""
        if self.on_event is not None:
            try:
                self.on_event(stage, details)
            except Exception:  # the callback is the caller's code; its bugs are not the agent's
                pass


# -- LLM helper -------------------------------------------------------------------------------------------------------


async def _ask(
    context: AgentContext, messages: Sequence[dict[str, str]], *, n: int = 1, temperature: float | None = None
) -> tuple[list[str], TokenUsage]:
    request = LLMRequest(
        [Message(m["role"], m["content"]) for m in messages],  # type: ignore[arg-type]
        temperature=context.temperature if temperature is None else temperature,
        max_tokens=context.max_tokens,
        n=n,
        seed=context.seed,
    )
    response = await context.llm.generate(request)
    usage = response.usage
    spent = TokenUsage(usage.prompt_tokens, usage.completion_tokens, 1) if usage else TokenUsage(0, 0, 1)
    return list(response.texts), spent


def _timed(state: AgentState, stage: str, started: float) -> dict[str, float]:
    timings = dict(state.timings)
    timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - started
    return timings


# -- nodes ------------------------------------------------------------------------------------------------------------


async def retrieve(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Fetch insights for the problem (a no-op until the experience library exists)."""
    context = runtime.context
    if context.retriever is None:
        return {}
    insights = list(context.retriever(state.problem))
    context.emit("retrieve", insights=len(insights))
    return {"insights": insights}


async def formulate(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Ask for the structured formulation: sets, parameters, typed variables, objective, constraints."""
    context = runtime.context
    started = time.perf_counter()
    context.emit("formulate")
    texts, spent = await _ask(
        context, formulation_messages(state.problem.text, context.dialect, insights=tuple(state.insights))
    )
    parsed = parse_response(texts[0])
    formulation = parsed.formulation or texts[0].strip()
    return {
        "formulation": formulation,
        "usage": state.usage + spent,
        "timings": _timed(state, "formulate", started),
    }


async def write_program(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Ask for ``samples`` model programs written from the formulation."""
    context = runtime.context
    started = time.perf_counter()
    k = max(1, context.samples)
    context.emit("write_program", samples=k)
    tabular = bool(state.problem.tables) or has_tabular_data(state.problem.text)
    messages = program_messages(
        state.problem.text, state.formulation, context.dialect, data_separate=tabular, insights=tuple(state.insights)
    )
    texts, spent = await _ask(context, messages, n=k, temperature=context.sample_temperature if k > 1 else None)
    kind = AttemptKind.SAMPLE if k > 1 else AttemptKind.INITIAL
    drafts = [Draft(parse_response(text).code, state.formulation, text, kind) for text in texts]
    return {"drafts": drafts, "usage": state.usage + spent, "timings": _timed(state, "write_program", started)}


async def execute(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Run this round's programs in the sandbox (concurrently) and check each result against the solver."""
    context = runtime.context
    started = time.perf_counter()
    context.emit("execute", programs=len(state.drafts))

    async def one(offset: int, draft: Draft) -> Attempt:
        index = len(state.attempts) + offset
        if draft.source is None:
            return Attempt(
                index=index,
                kind=draft.kind,
                formulation=draft.formulation,
                completions=(draft.completion,),
                parent=draft.parent,
                feedback=draft.feedback,
                checks=(_no_code_check(),),
            )
        program = ModelProgram.from_source(draft.source, context.dialect)
        run: CodeRun = await asyncio.to_thread(context.executor.run, program, time_limit_s=context.time_limit_s)
        checks = await asyncio.to_thread(
            run_checks, state.problem, run, formulation=draft.formulation, diagnose=context.diagnoser
        )
        attempt = Attempt(
            index=index,
            kind=draft.kind,
            formulation=draft.formulation,
            program=program,
            run=run,
            checks=tuple(checks),
            feedback=draft.feedback,
            completions=(draft.completion,),
            parent=draft.parent,
        )
        context.emit("checked", attempt=index, outcome=run.outcome.value, ok=attempt.ok)
        return attempt

    attempts = await asyncio.gather(*(one(i, d) for i, d in enumerate(state.drafts)))
    return {"attempts": list(attempts), "drafts": [], "timings": _timed(state, "execute", started)}


def _no_code_check() -> Check:
    return Check(
        name="execution",
        status=CheckStatus.FAIL,
        message="The response contained no model program. Answer with one complete Python program in a "
        "```python fenced block that builds the model, calls the solver and prints the status and objective.",
    )


def after_execute(state: AgentState, runtime: Runtime[AgentContext]) -> Literal["repair", "vote"]:
    """Repair when this round produced nothing valid and the budget allows; otherwise vote."""
    if any(a.ok for a in state.attempts):
        return "vote"
    return "repair" if state.round < runtime.context.max_repairs else "vote"


async def repair(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Give each failed attempt of the last round its checks' feedback and ask for a corrected program."""
    context = runtime.context
    started = time.perf_counter()
    last_round = _last_round(state.attempts)
    context.emit("repair", round=state.round + 1, attempts=len(last_round))

    async def fix(attempt: Attempt) -> tuple[Draft, TokenUsage]:
        feedback = summarize_feedback(list(attempt.checks))
        source = attempt.program.source if attempt.program is not None else attempt.completions[0]
        messages = repair_messages(
            state.problem.text, attempt.formulation, source, feedback, context.dialect, tuple(state.insights)
        )
        texts, spent = await _ask(context, messages)
        parsed = parse_response(texts[0])
        formulation = parsed.formulation or attempt.formulation
        draft = Draft(parsed.code, formulation, texts[0], AttemptKind.REPAIR, attempt.index, feedback)
        return draft, spent

    fixed = await asyncio.gather(*(fix(a) for a in last_round))
    usage = state.usage
    for _, spent in fixed:
        usage = usage + spent
    return {
        "drafts": [draft for draft, _ in fixed],
        "round": state.round + 1,
        "usage": usage,
        "timings": _timed(state, "repair", started),
    }


def _last_round(attempts: Sequence[Attempt]) -> list[Attempt]:
    """The attempts of the most recent round: the trailing run of repairs, else the initial/sampled ones."""
    if not attempts:
        return []
    if attempts[-1].kind is not AttemptKind.REPAIR:
        return [a for a in attempts if a.kind is not AttemptKind.REPAIR]
    parents = {a.parent for a in attempts if a.kind is AttemptKind.REPAIR}
    newest = [a for a in attempts if a.kind is AttemptKind.REPAIR and a.index not in parents]
    return newest


async def vote(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Cluster the valid attempts and pick the best-supported cluster; its share is the confidence."""
    context = runtime.context
    clusters = cluster_attempts(state.attempts, rel_tol=context.objective_rel_tol)
    if not clusters:
        context.emit("answer", status=AgentStatus.NO_VALID_MODEL.value)
        return {"clusters": [], "chosen": None, "confidence": 0.0}
    best = clusters[0]
    chosen = _representative(state.attempts, best)
    samples = max(1, context.samples)
    if samples > 1:
        confidence = min(1.0, best.size / samples)
    else:
        answer = next(a for a in state.attempts if a.index == chosen)
        confidence = 1.0 if all(c.status is not CheckStatus.WARN for c in answer.checks) else 0.7
    context.emit("answer", status=AgentStatus.SOLVED.value, attempt=chosen, confidence=confidence)
    return {"clusters": clusters, "chosen": chosen, "confidence": confidence}


def _representative(attempts: Sequence[Attempt], cluster: Cluster) -> int:
    """The member to answer with: a certified one first, then the one with fewest warnings, then the earliest."""
    members = [a for a in attempts if a.index in cluster.attempts]

    def rank(attempt: Attempt) -> tuple[int, int, int]:
        result = attempt.run.result if attempt.run is not None else None
        certified = bool(result and result.certification and result.certification.certified)
        warnings = sum(1 for c in attempt.checks if c.status is CheckStatus.WARN)
        return (0 if certified else 1, warnings, attempt.index)

    return min(members, key=rank).index


def cluster_attempts(attempts: Sequence[Attempt], *, rel_tol: float = 1e-6) -> list[Cluster]:
    """Group valid attempts that agree on status, objective (within ``rel_tol``) and structure; biggest first.

    Structure is the objective sense, the counts of continuous / integer / binary variables and the number of
    constraints: two programs with the same optimum but different models are different answers to a voter.
    """
    groups: list[tuple[tuple[Any, ...], float | None, list[Attempt]]] = []
    for attempt in attempts:
        if not attempt.ok or attempt.run is None or attempt.run.result is None:
            continue
        result = attempt.run.result
        stats = result.stats
        shape = (
            result.termination.value,
            result.sense.value,
            stats.continuous,
            stats.integer,
            stats.binary,
            stats.constraints,
        )
        value = result.objective_value if result.has_solution else None
        for key, anchor, members in groups:
            if key == shape and _close(anchor, value, rel_tol):
                members.append(attempt)
                break
        else:
            groups.append((shape, value, [attempt]))
    groups.sort(key=lambda g: (-len(g[2]), min(a.index for a in g[2])))
    clusters = []
    for shape, value, members in groups:
        label = "|".join(
            str(part) for part in (*shape[:2], _fmt(value), f"c{shape[2]}i{shape[3]}b{shape[4]}", f"r{shape[5]}")
        )
        first = members[0].run.result if members[0].run is not None else None
        clusters.append(
            Cluster(
                key=label,
                attempts=tuple(a.index for a in members),
                termination=first.termination if first is not None else Termination.UNKNOWN,
                objective_value=value,
            )
        )
    return clusters


def _close(a: float | None, b: float | None, rel_tol: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=rel_tol, abs_tol=rel_tol)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.10g}"


# -- the graph --------------------------------------------------------------------------------------------------------


def build_graph() -> Any:
    """Compile the agent graph (module-level ``graph`` is this, compiled once)."""
    builder = StateGraph(AgentState, context_schema=AgentContext)
    builder.add_node("retrieve", retrieve)
    builder.add_node("formulate", formulate)
    builder.add_node("write_program", write_program)
    builder.add_node("execute", execute)
    builder.add_node("repair", repair)
    builder.add_node("vote", vote)
    builder.add_edge(START, "retrieve")
    builder.add_edge("retrieve", "formulate")
    builder.add_edge("formulate", "write_program")
    builder.add_edge("write_program", "execute")
    builder.add_conditional_edges("execute", after_execute, ["repair", "vote"])
    builder.add_edge("repair", "execute")
    builder.add_edge("vote", END)
    return builder.compile(name="optagent")


_GRAPH: Any = None


def _graph() -> Any:
    global _GRAPH
    if _GRAPH is None:
        _GRAPH = build_graph()
    return _GRAPH


async def solve(problem: Problem | str, context: AgentContext) -> AgentResult:
    """Run the agent on one problem and return the chosen attempt, every attempt and the confidence."""
    if isinstance(problem, str):
        problem = Problem(text=problem)
    started = time.perf_counter()
    final = await _graph().ainvoke(AgentState(problem=problem), context=context)
    state = final if isinstance(final, dict) else vars(final)
    attempts = tuple(state.get("attempts", ()))
    chosen = state.get("chosen")
    timings = dict(state.get("timings", {}))
    timings["total"] = time.perf_counter() - started
    return AgentResult(
        status=AgentStatus.SOLVED if chosen is not None else AgentStatus.NO_VALID_MODEL,
        attempts=attempts,
        chosen=chosen,
        confidence=float(state.get("confidence", 0.0)),
        clusters=tuple(state.get("clusters", ())),
        usage=state.get("usage", TokenUsage()),
        timings=timings,
        problem_id=problem.id,
    )


def solve_sync(problem: Problem | str, context: AgentContext) -> AgentResult:
    """:func:`solve` for callers without an event loop."""
    return asyncio.run(solve(problem, context))
