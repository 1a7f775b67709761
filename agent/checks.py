"""Solver-informed checks of an attempt, and the repair feedback built from them.

A model that runs is not yet a right model. Each check here looks at one way an attempt can be wrong, using what
the solver itself reported (the captured :class:`~solvers.SolveResult`, never the program's printout) and, where the
solver's verdict alone says too little, a diagnosis computed from the exported instance in the sandbox
(:class:`~agent.diagnosis.Diagnoser`). Every check returns one :class:`~agent.types.Check` whose message is written
for a repair prompt: what is wrong, the evidence, and what to change.

The checks run in a fixed order (:data:`CHECKS`) and always all of them, so a list of checks has the same shape for
every attempt; a check that cannot judge says ``skip`` and why. Wording-based checks (objective sense, integrality)
use the word lists below, matched case-insensitively on word boundaries; they fail only when the wording is clear
and otherwise warn or skip, because a wrong "fail" sends a correct model into repair.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from agent.diagnosis import BoundConflict, Diagnoser, Diagnosis, RowConflict, diagnosis_mode
from agent.types import Check, CheckStatus, Problem
from solvers import CodeRun, ObjectiveSense, RunOutcome, SandboxError, SolveResult, Termination
from solvers.types import to_dict

__all__ = [
    "CHECKS",
    "CONTINUOUS_CUES",
    "CONTINUOUS_UNITS",
    "COUNT_NOUNS",
    "COUNT_PHRASES",
    "FEEDBACK_ORDER",
    "MAXIMIZE_GOAL_NOUNS",
    "MAXIMIZE_PHRASES",
    "MINIMIZE_GOAL_NOUNS",
    "MINIMIZE_PHRASES",
    "CheckContext",
    "Diagnoser",
    "SenseCue",
    "count_cues",
    "run_checks",
    "summarize_feedback",
    "trim_traceback",
    "wording_sense",
]

# -- word lists ------------------------------------------------------------------------------------------------------
# Phrases are matched case-insensitively on word boundaries, with any run of whitespace between words.

MAXIMIZE_VERB = r"maximi[sz](?:e|es|ed|ing|ation)"
"""Regex for the verb forms of "maximize" (British spellings too). A verb is a strong cue."""
MINIMIZE_VERB = r"minimi[sz](?:e|es|ed|ing|ation)"

MAXIMIZE_PHRASES = (
    "as many as possible",
    "as much as possible",
    "as large as possible",
    "as high as possible",
    "as great as possible",
    "most profitable",
    "make the most",
    "earn the most",
    "get the most",
)
"""Phrases that ask for a maximum as clearly as a verb does (strong cues)."""

MINIMIZE_PHRASES = (
    "as few as possible",
    "as little as possible",
    "as small as possible",
    "as low as possible",
    "as cheaply as possible",
    "as short as possible",
    "at least cost",
    "at the least cost",
    "at the lowest cost",
    "at lowest cost",
    "at minimum cost",
    "at the minimum cost",
    "at minimal cost",
    "least expensive",
)
"""Phrases that ask for a minimum as clearly as a verb does (strong cues); "at least cost" is not "at least 3"."""

_MAX_ADJECTIVES = ("highest", "largest", "greatest", "maximum", "maximal", "max", "biggest", "best")
_MIN_ADJECTIVES = ("lowest", "least", "smallest", "minimum", "minimal", "min", "cheapest", "shortest", "fewest")

MAXIMIZE_GOAL_NOUNS = (
    "profit",
    "profits",
    "revenue",
    "revenues",
    "return",
    "returns",
    "income",
    "earnings",
    "output",
    "production",
    "yield",
    "throughput",
    "sales",
    "value",
    "utility",
    "benefit",
    "satisfaction",
    "coverage",
    "net present value",
)
"""Goods: "highest profit", "maximum revenue". An adjective + goal is a weak cue (it can also describe data)."""

MINIMIZE_GOAL_NOUNS = (
    "cost",
    "costs",
    "expense",
    "expenses",
    "spending",
    "time",
    "distance",
    "waste",
    "emissions",
    "risk",
    "penalty",
    "delay",
    "makespan",
    "loss",
    "losses",
    "number of",
)
"""Bads: "lowest cost", "minimum number of trucks". An adjective + goal is a weak cue."""

COUNT_PHRASES = (
    "number of",
    "how many",
    "units of",
    "whole number",
    "whole numbers",
    "whole units",
    "integer",
    "integers",
    "integral",
    "indivisible",
    "cannot be split",
    "can't be split",
    "cannot be divided",
    "no fractional",
    "not fractional",
    "cannot be fractional",
)
"""Wording that says the decisions count whole things. "number of hours" is excluded (see CONTINUOUS_UNITS)."""

COUNT_NOUNS = (
    "truck",
    "trucks",
    "vehicle",
    "vehicles",
    "van",
    "vans",
    "bus",
    "buses",
    "car",
    "cars",
    "ship",
    "ships",
    "boat",
    "boats",
    "plane",
    "planes",
    "aircraft",
    "worker",
    "workers",
    "employee",
    "employees",
    "staff",
    "nurse",
    "nurses",
    "doctor",
    "doctors",
    "machine",
    "machines",
    "server",
    "servers",
    "people",
    "person",
    "persons",
    "facility",
    "facilities",
    "warehouse",
    "warehouses",
    "shift",
    "shifts",
    "batch",
    "batches",
    "pallet",
    "pallets",
    "container",
    "containers",
    "box",
    "boxes",
    "crate",
    "crates",
    "item",
    "items",
    "piece",
    "pieces",
    "chair",
    "chairs",
    "desk",
    "desks",
)
"""Things that come in whole numbers ("at most 3 trucks" is a count)."""

CONTINUOUS_UNITS = (
    "hour",
    "hours",
    "minute",
    "minutes",
    "kg",
    "kilogram",
    "kilograms",
    "gram",
    "grams",
    "ton",
    "tons",
    "tonne",
    "tonnes",
    "pound",
    "pounds",
    "liter",
    "liters",
    "litre",
    "litres",
    "gallon",
    "gallons",
    "barrel",
    "barrels",
    "acre",
    "acres",
    "hectare",
    "hectares",
    "dollar",
    "dollars",
    "meter",
    "meters",
    "metre",
    "metres",
    "mile",
    "miles",
    "kwh",
    "ounce",
    "ounces",
)
"""Measures: "number of hours" and "units of kg" describe divisible quantities, not counts."""

CONTINUOUS_CUES = (
    "can be fractional",
    "may be fractional",
    "fractional amounts",
    "fractional values are allowed",
    "need not be integer",
    "need not be integers",
    "not necessarily integer",
    "divisible",
    "continuous",
)
"""Wording that explicitly allows fractional decisions; it overrides every count cue."""

FEEDBACK_ORDER = ("execution", "infeasible", "unbounded", "certification", "sense", "integrality", "trivial")
"""Most important first: a program that does not run makes every other finding moot."""

_TOL = 1e-6


def _phrase_regex(phrases: Iterable[str]) -> re.Pattern[str]:
    parts = sorted((r"\s+".join(map(re.escape, p.split())) for p in phrases), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])", re.IGNORECASE)


def _goal_regex(adjectives: Sequence[str], nouns: Sequence[str]) -> re.Pattern[str]:
    adjective = "|".join(map(re.escape, adjectives))
    noun = "|".join(sorted((r"\s+".join(map(re.escape, n.split())) for n in nouns), key=len, reverse=True))
    return re.compile(
        rf"(?<![\w-])(?:{adjective})\s+(?:(?:total|possible|overall|net|daily|weekly|monthly|annual|combined)\s+)?"
        rf"(?:{noun})(?![\w-])",
        re.IGNORECASE,
    )


_GAPPED = r"(?<![\w-])as\s+(?:{})\s+(?:[\w-]+\s+){{1,4}}as\s+possible(?![\w-])"
"""Regex for "as many chairs as possible": the quantifier, up to four words, then "as possible"."""
_MAX_STRONG = re.compile(
    "|".join(
        (rf"(?<![\w-]){MAXIMIZE_VERB}(?![\w-])", _GAPPED.format("many|much"), _phrase_regex(MAXIMIZE_PHRASES).pattern)
    ),
    re.IGNORECASE,
)
_MIN_STRONG = re.compile(
    "|".join(
        (rf"(?<![\w-]){MINIMIZE_VERB}(?![\w-])", _GAPPED.format("few|little"), _phrase_regex(MINIMIZE_PHRASES).pattern)
    ),
    re.IGNORECASE,
)
_MAX_WEAK = _goal_regex(_MAX_ADJECTIVES, MAXIMIZE_GOAL_NOUNS)
_MIN_WEAK = _goal_regex(_MIN_ADJECTIVES, MINIMIZE_GOAL_NOUNS)
_COUNT_PHRASE = _phrase_regex(COUNT_PHRASES)
_COUNT_NOUN = _phrase_regex(COUNT_NOUNS)
_CONTINUOUS_CUE = _phrase_regex(CONTINUOUS_CUES)
_UNIT_AFTER = re.compile(r"\s+(?:\w+\s+)?(?:" + "|".join(map(re.escape, CONTINUOUS_UNITS)) + r")\b", re.IGNORECASE)


# -- wording analysis ------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SenseCue:
    """The objective direction the wording asks for, and how sure that is."""

    sense: ObjectiveSense
    strong: bool
    """True for a verb or an explicit phrase ("maximize", "as few as possible"); False for "lowest cost"."""
    evidence: tuple[str, ...]
    """The matched phrases, as written in the text."""


def wording_sense(text: str) -> SenseCue | None:
    """The objective sense the text asks for, or None when it is silent or ambiguous.

    Strong cues (verbs, explicit phrases) decide when they point one way only, whatever the weak cues say, so
    "minimize the maximum completion time" is a minimization and "maximize profit; the minimum cost of a unit is
    $5" a maximization. Without strong cues, weak ones (adjective + goal) decide when they point one way only.
    """
    for strong in (True, False):
        pattern_max, pattern_min = (_MAX_STRONG, _MIN_STRONG) if strong else (_MAX_WEAK, _MIN_WEAK)
        found_max = [m.group(0) for m in pattern_max.finditer(text)]
        found_min = [m.group(0) for m in pattern_min.finditer(text)]
        if found_max and found_min:
            return None
        if found_max or found_min:
            sense = ObjectiveSense.MAXIMIZE if found_max else ObjectiveSense.MINIMIZE
            evidence = tuple(dict.fromkeys(" ".join(e.split()) for e in found_max or found_min))
            return SenseCue(sense, strong, evidence)
    return None


def count_cues(text: str) -> tuple[str, ...]:
    """Phrases in ``text`` that say the decisions count whole things; empty when it explicitly allows fractions.

    "number of hours", "how many kilograms" or "units of kg" are measures, not counts, and are left out.
    """
    if _CONTINUOUS_CUE.search(text):
        return ()
    found: list[str] = []
    for match in _COUNT_PHRASE.finditer(text):
        phrase = " ".join(match.group(0).lower().split())
        if phrase in ("number of", "units of", "how many") and _UNIT_AFTER.match(text, match.end()):
            continue
        found.append(phrase)
    found.extend(" ".join(m.group(0).lower().split()) for m in _COUNT_NOUN.finditer(text))
    unique: list[str] = []  # singular and plural of a noun are one cue, shown as first written
    for phrase in found:
        forms = {phrase, phrase + "s", phrase + "es", phrase.removesuffix("s"), phrase.removesuffix("es")}
        if forms.isdisjoint(unique):
            unique.append(phrase)
    return tuple(unique)


def _continuous_allowed(text: str) -> str | None:
    match = _CONTINUOUS_CUE.search(text)
    return match.group(0) if match else None


# -- traceback trimming ----------------------------------------------------------------------------------------------

_RUN_DIR = re.compile(r'File "[^"]*/run-[^/"]+/([^"/]+)"')
_LIBRARY_PATH = ("site-packages", "dist-packages", "/lib/python")


def trim_traceback(text: str, *, frames: int = 3, max_chars: int = 1500) -> str:
    """The part of a traceback a repair needs: the program's last frames, the failing library frame, the error.

    Library internals (pyomo's expression machinery, numpy) are elided to one line, and the sandbox's temporary
    folder is dropped from file names so the same error reads the same way in every attempt.
    """
    text = _RUN_DIR.sub(r'File "\1"', text.strip())
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call last)")]
    if not starts:
        return _cap("\n".join(lines[-12:]), max_chars)
    block = lines[starts[-1] + 1 :]
    parsed: list[list[str]] = []
    index = 0
    while index < len(block) and block[index].startswith("  "):
        if block[index].startswith('  File "'):
            parsed.append([block[index]])
        elif parsed:
            parsed[-1].append(block[index])
        index += 1
    tail = [line[:300] for line in block[index:][:6]]
    own = [i for i, frame in enumerate(parsed) if not any(part in frame[0] for part in _LIBRARY_PATH)]
    keep = set(own[-(frames - 1) :] if frames > 1 else [])
    if parsed:
        keep.add(len(parsed) - 1)
    out = [lines[starts[-1]]]
    skipped = 0
    for i, frame in enumerate(parsed):
        if i in keep:
            if skipped:
                out.append(f"  ... {skipped} frame{'s' if skipped > 1 else ''} omitted")
                skipped = 0
            out.extend(line[:300] for line in frame)
        else:
            skipped += 1
    out.extend(tail)
    return _cap("\n".join(out), max_chars)


def _cap(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    head = limit // 3
    return text[:head] + "\n...\n" + text[-(limit - head - 5) :]


# -- the check context and registry ----------------------------------------------------------------------------------


@dataclass
class CheckContext:
    """What every check may read: the problem, the run, the formulation text, and a shared, lazy diagnosis."""

    problem: Problem
    run: CodeRun
    formulation: str | None = None
    diagnoser: Diagnoser | None = None
    _diagnosis: Diagnosis | None = field(default=None, init=False, repr=False)

    @property
    def result(self) -> SolveResult | None:
        """The answering solve, or None when the run made none."""
        return self.run.result

    @cached_property
    def wording(self) -> SenseCue | None:
        """The sense the problem text asks for."""
        return wording_sense(self.problem.text)

    @cached_property
    def counts(self) -> tuple[str, ...]:
        """Count wording in the problem text."""
        return count_cues(self.problem.text)

    def diagnosis(self) -> Diagnosis | None:
        """The instance diagnosis for an infeasible or unbounded answer, computed once; None without a diagnoser."""
        result = self.result
        if self.diagnoser is None or result is None:
            return None
        if self._diagnosis is None:
            try:
                self._diagnosis = self.diagnoser.diagnose(result, mode=diagnosis_mode(result.termination))
            except SandboxError as exc:
                self._diagnosis = Diagnosis(error=f"the sandbox could not run the diagnosis: {exc}")
        return self._diagnosis


CheckFunction = Callable[[CheckContext], Check]

CHECKS: dict[str, CheckFunction] = {}
"""Every check by name, in the order :func:`run_checks` runs them."""


def _register(name: str) -> Callable[[CheckFunction], CheckFunction]:
    def add(function: CheckFunction) -> CheckFunction:
        CHECKS[name] = function
        return function

    return add


def run_checks(
    problem: Problem,
    run: CodeRun,
    *,
    formulation: str | None = None,
    diagnose: Diagnoser | None = None,
) -> list[Check]:
    """Run every check on one attempt's run, in order.

    Args:
        problem: The problem in words; the sense and integrality checks read its wording.
        run: The sandboxed run of the attempt's program.
        formulation: The attempt's formulation text, if any; a declared integer variable or objective direction
            that the program then drops is reported too.
        diagnose: Computes IIS / relaxation / unbounded-ray diagnoses in the sandbox. Without it the infeasible
            and unbounded checks still fail, with general advice instead of named constraints.

    Returns:
        One check per entry of :data:`CHECKS`, in that order.
    """
    context = CheckContext(problem, run, formulation, diagnose)
    return [function(context) for function in CHECKS.values()]


def summarize_feedback(checks: Iterable[Check], *, max_chars: int = 2500) -> str:
    """The repair prompt's account of what is wrong: failing checks first, then warnings, most important first.

    Each finding is the check's message verbatim under its name; findings that do not fit in ``max_chars`` are
    counted at the end rather than cut off mid-sentence (the first one is always kept, shortened if need be).
    Returns an empty string when nothing failed or warned.
    """
    order = {name: rank for rank, name in enumerate(FEEDBACK_ORDER)}
    findings = sorted(
        (c for c in checks if c.actionable),
        key=lambda c: (c.status is not CheckStatus.FAIL, order.get(c.name, len(order))),
    )
    parts: list[str] = []
    used = 0
    for check in findings:
        label = "FAIL" if check.status is CheckStatus.FAIL else "WARN"
        part = f"[{label}: {check.name}] {check.message.strip()}"
        if used + len(part) > max_chars:
            if not parts:  # the most important finding is always given, shortened to fit
                parts.append(part[: max(0, max_chars - 40)].rstrip() + " ...")
            break
        parts.append(part)
        used += len(part) + 2
    omitted = len(findings) - len(parts)
    if omitted:
        parts.append(f"({omitted} more finding{'s' if omitted > 1 else ''} omitted)")
    return "\n\n".join(parts)


# -- the checks ------------------------------------------------------------------------------------------------------


def _check(name: str, status: CheckStatus, message: str, **details: Any) -> Check:
    return Check(name=name, status=status, message=message, details=details)


def _no_result(name: str) -> Check:
    return _check(name, CheckStatus.SKIP, "No solve result to judge: see the execution check.")


def _fmt(value: float | None) -> str:
    if value is None:
        return "none"
    if not math.isfinite(value):
        return str(value)
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


_OUTCOME_ADVICE = {
    RunOutcome.TIMEOUT: (
        "The program did not finish within the time limit ({wall}s). Avoid loops that enumerate combinations or "
        "solve repeatedly, build constraints with the library's indexed constructs, never wait for input or sleep, "
        "and solve the model once."
    ),
    RunOutcome.MEMORY_LIMIT: (
        "The program ran out of memory{peak}. Do not build dense matrices or enumerate every combination; create "
        "variables and constraints only for the index pairs that exist."
    ),
    RunOutcome.SANDBOX_VIOLATION: (
        "The program did something the sandbox forbids: {error}. Keep all data inline in the program; do not read "
        "or write files outside the working directory, open network connections or start other programs (call the "
        "solver through its Python API)."
    ),
    RunOutcome.NO_SOLVE_CALL: (
        "The program never called a solver. Build the model, call its solve/optimize method and let optagent read "
        "the result from the solver: numbers the program prints are ignored."
    ),
}

_TERMINATION_ADVICE = {
    Termination.NO_SOLUTION_FOUND: (
        "The solver stopped at a limit ({raw}) without finding any feasible solution. Tighten the formulation "
        "(finite bounds on integer variables, the smallest valid big-M constants, no needless integer variables)."
    ),
    Termination.NUMERICAL_ERROR: (
        "The solver ran into numerical trouble ({raw}). Rescale the data so coefficients stay between about 1e-4 "
        "and 1e6 (money in thousands, big-M no larger than needed) and avoid nearly parallel constraints."
    ),
    Termination.SOLVER_ERROR: (
        "The solver reported an error ({raw}). Check that every constraint and the objective have a form the chosen "
        "solver accepts (linear for LP/MILP solvers), that no coefficient is NaN or infinite, and that the solver "
        "name exists."
    ),
    Termination.UNKNOWN: (
        "The solve ended without a usable status ({raw}). Use the library's standard solve call once, at the end, "
        "and do not wrap or replace the solver objects."
    ),
}


@_register("execution")
def check_execution(context: CheckContext) -> Check:
    """Did the program run to a solve, and did the solver reach a verdict?"""
    run = context.run
    name = "execution"
    details: dict[str, Any] = {"outcome": run.outcome.value, "wall_time_s": run.wall_time_s}
    if run.outcome in (RunOutcome.SYNTAX_ERROR, RunOutcome.RUNTIME_ERROR):
        trace = trim_traceback(run.error or run.stderr)
        details["traceback"] = trace
        if run.outcome is RunOutcome.SYNTAX_ERROR:
            message = f"The program has a syntax error and did not run:\n{trace}\nFix it and return the whole program."
        else:
            before = f" ({len(run.solves)} solve call(s) ran before it)" if run.solves else ""
            message = (
                f"The program raised an exception{before}:\n{trace}\n"
                "Fix the cause the last line names and return the whole program."
            )
        return _check(name, CheckStatus.FAIL, message, **details)
    result = context.result
    if run.outcome is not RunOutcome.OK or result is None:
        outcome = RunOutcome.NO_SOLVE_CALL if run.outcome is RunOutcome.OK else run.outcome  # OK needs a solve
        peak = f" (peak {run.max_rss_mb:.0f} MB)" if run.max_rss_mb else ""
        error = run.error.strip().splitlines()[-1] if run.error.strip() else "blocked"
        template = _OUTCOME_ADVICE.get(outcome, "The run ended with {outcome}: {error}.")
        message = template.format(wall=_fmt(round(run.wall_time_s, 1)), peak=peak, error=error, outcome=outcome)
        details["error"] = run.error
        return _check(name, CheckStatus.FAIL, message, **details)
    raw = result.raw_status or result.termination.value
    details.update(termination=result.termination.value, raw_status=result.raw_status, solves=len(run.solves))
    if result.notes:
        details["notes"] = list(result.notes)
    if result.termination in _TERMINATION_ADVICE:
        message = _TERMINATION_ADVICE[result.termination].format(raw=raw)
        if result.notes:
            message += " Solver notes: " + "; ".join(result.notes)
        return _check(name, CheckStatus.FAIL, message, **details)
    if result.termination is Termination.FEASIBLE:
        gap = f" (relative gap {result.mip_gap:.2%})" if result.mip_gap is not None else ""
        message = (
            f"The solver stopped at a limit ({raw}) with a feasible solution that is not proven optimal{gap}. "
            "Strengthen the formulation (tighter bounds, smaller big-M constants) so it solves to optimality."
        )
        return _check(name, CheckStatus.WARN, message, **details)
    if result.termination is Termination.OPTIMAL:
        message = f"The program ran and the solver proved an optimum (objective {_fmt(result.objective_value)})."
    else:
        message = f"The program ran; the solver's verdict is {result.termination.value} (see the checks below)."
    return _check(name, CheckStatus.PASS, message, **details)


def _row_line(row: RowConflict) -> str:
    text = f"  - {row.name}: {row.expression}" if row.expression else f"  - {row.name}"
    if row.violation is not None:
        side = "short of its lower bound" if row.side == "lower" else "over its upper bound"
        text += f"  (must give way by {_fmt(row.violation)}: {side})"
    return text


def _bound_line(column: BoundConflict) -> str:
    if column.side == "both" and column.lower is not None and column.upper is not None:
        return f"  - bounds of {column.name}: {_fmt(column.lower)} <= {column.name} <= {_fmt(column.upper)}"
    if column.side == "upper":
        return f"  - upper bound {column.name} <= {_fmt(column.upper)}"
    return f"  - lower bound {column.name} >= {_fmt(column.lower)}"


_INFEASIBLE_ADVICE = (
    "Check each listed constraint against the problem text: the direction (<= versus >=), the number and its "
    "units, which items it applies to, and whether the text states it as a hard rule or as a preference (model a "
    "preference with a penalized slack variable). If the text itself is contradictory, say so instead."
)


def _infeasible_message(diagnosis: Diagnosis | None) -> tuple[str, dict[str, Any]]:
    lines = ["The solver proved the model infeasible: no values satisfy all constraints together."]
    details: dict[str, Any] = {}
    if diagnosis is None or (diagnosis.error and not diagnosis.conflict and not diagnosis.columns):
        reason = diagnosis.error if diagnosis is not None else "no diagnoser configured"
        lines.append(f"The conflicting constraints could not be identified ({reason}).")
        details["diagnosis_error"] = reason
        lines.append(_INFEASIBLE_ADVICE)
        return "\n".join(lines), details
    details["diagnosis"] = to_dict(diagnosis)
    if diagnosis.method == "bounds":
        lines.append(
            "These variables or constraints contradict themselves (lower bound above upper bound, or an "
            "integer variable with no whole number between its bounds):"
        )
        lines.extend(_row_line(r) for r in diagnosis.rows)
        lines.extend(_bound_line(c) for c in diagnosis.columns)
    elif diagnosis.rows or diagnosis.columns:
        where = "of the LP relaxation " if diagnosis.method == "iis_lp_relaxation" else ""
        lines.append(
            f"These constraints conflict (an irreducible infeasible subset {where}computed from the exported model: "
            "relax or drop any one of them and the rest can be met):"
        )
        lines.extend(_row_line(r) for r in diagnosis.rows)
        lines.extend(_bound_line(c) for c in diagnosis.columns)
    if diagnosis.relaxation:
        if diagnosis.rows or diagnosis.columns:
            lines.append(
                f"The smallest total relaxation that makes the model feasible ({_fmt(diagnosis.total_violation)} in "
                "all) changes:"
            )
        else:
            why = (
                " (no irreducible subset: the conflict involves integrality)"
                if any("integrality" in note for note in diagnosis.notes)
                else ""
            )
            lines.append(
                f"Relaxation diagnosis{why}: the smallest total violation that makes the model feasible "
                f"({_fmt(diagnosis.total_violation)} in all) needs these constraints to give way:"
            )
        lines.extend(_row_line(r) for r in diagnosis.relaxation)
    elif not diagnosis.rows and not diagnosis.columns:
        if diagnosis.status == "feasible":
            lines.append(
                "An independent HiGHS re-solve of the exported model finds it feasible, so the verdict may come from "
                "a solver option, a tolerance, or values the program fixed outside the model: solve with default "
                "options and check the data."
            )
        else:
            reason = diagnosis.error or "; ".join(diagnosis.notes) or "the diagnosis did not finish"
            lines.append(f"No conflicting constraints could be named ({reason}).")
    lines.append(_INFEASIBLE_ADVICE)
    return "\n".join(lines), details


def _resolved_status(context: CheckContext) -> str:
    """For ``infeasible_or_unbounded``: which one the diagnosis found (``unknown`` when it could not tell)."""
    diagnosis = context.diagnosis()
    return diagnosis.status if diagnosis is not None else "unknown"


@_register("infeasible")
def check_infeasible(context: CheckContext) -> Check:
    """An infeasible model fails, with the constraints that conflict."""
    name = "infeasible"
    result = context.result
    if result is None:
        return _no_result(name)
    termination = result.termination
    if termination is Termination.INFEASIBLE or (
        termination is Termination.INFEASIBLE_OR_UNBOUNDED and _resolved_status(context) == "infeasible"
    ):
        message, details = _infeasible_message(context.diagnosis())
        return _check(name, CheckStatus.FAIL, message, termination=termination.value, **details)
    if result.has_solution:
        return _check(name, CheckStatus.PASS, "The model has a feasible solution.", termination=termination.value)
    if termination is Termination.UNBOUNDED or (
        termination is Termination.INFEASIBLE_OR_UNBOUNDED and _resolved_status(context) == "unbounded"
    ):
        message = "The model is feasible (its objective is unbounded: see the unbounded check)."
        return _check(name, CheckStatus.PASS, message, termination=termination.value)
    if termination is Termination.INFEASIBLE_OR_UNBOUNDED:
        message = "The solver could not tell infeasible from unbounded; see the unbounded check."
        return _check(name, CheckStatus.SKIP, message, termination=termination.value)
    return _check(name, CheckStatus.SKIP, f"Feasibility unknown ({termination.value}).", termination=termination.value)


def _direction_word(sense: ObjectiveSense) -> str:
    return {"maximize": "maximizes", "minimize": "minimizes"}.get(sense.value, "has no objective")


@_register("unbounded")
def check_unbounded(context: CheckContext) -> Check:
    """An unbounded model fails, naming the variables that run away and suspecting the sense when it disagrees."""
    name = "unbounded"
    result = context.result
    if result is None:
        return _no_result(name)
    termination = result.termination
    if termination is Termination.INFEASIBLE:
        return _check(name, CheckStatus.SKIP, "Not applicable: the model is infeasible.", termination=termination.value)
    if termination not in (Termination.UNBOUNDED, Termination.INFEASIBLE_OR_UNBOUNDED):
        if result.has_solution:
            return _check(name, CheckStatus.PASS, "The objective is bounded.", termination=termination.value)
        return _check(name, CheckStatus.SKIP, f"Boundedness unknown ({termination.value}).")
    resolved = "unbounded" if termination is Termination.UNBOUNDED else _resolved_status(context)
    if resolved == "infeasible":
        return _check(name, CheckStatus.PASS, "Not unbounded: the model is infeasible (see the infeasible check).")
    diagnosis = context.diagnosis()
    details: dict[str, Any] = {"termination": termination.value}
    if termination is Termination.UNBOUNDED or resolved == "unbounded":
        lines = ["The solver found the objective unbounded: it improves without limit, so a limit is missing."]
    else:
        lines = [
            "The solver reports the model infeasible or unbounded without telling which. Either constraints "
            "conflict or a limit on the objective is missing."
        ]
    if diagnosis is not None:
        details["diagnosis"] = to_dict(diagnosis)
    if diagnosis is not None and diagnosis.unbounded:
        lines.append("These variables can move forever in a direction that keeps improving the objective:")
        for column in diagnosis.unbounded:
            bound = (
                ("no upper bound" if column.direction == "increase" else "no lower bound")
                if column.missing_bound
                else "bounded, but moved by other variables"
            )
            lines.append(f"  - {column.name} ({column.direction}s; {bound}; objective coefficient {_fmt(column.cost)})")
        lines.append(
            "Add the capacity, demand, budget or availability constraint from the text that limits them, or their "
            "bound (a quantity is usually nonnegative; 'at most' gives an upper bound)."
        )
    else:
        reason = diagnosis.error if diagnosis is not None and diagnosis.error else "no diagnosis available"
        lines.append(
            f"The variables involved could not be named ({reason}). Give every variable the bounds the text implies "
            "(nonnegative quantities, 'at most' limits) and check that each resource constraint is present."
        )
    cue = context.wording
    if cue is not None and result.sense is not ObjectiveSense.FEASIBILITY and cue.sense is not result.sense:
        details["wording_sense"] = cue.sense.value
        lines.append(
            f'The wording asks to {cue.sense.value} ("{cue.evidence[0]}") but the model '
            f"{_direction_word(result.sense)}: an unbounded {result.sense.value} often means the sense is wrong."
        )
    return _check(name, CheckStatus.FAIL, "\n".join(lines), **details)


def _fractional(values: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    out = []
    for key, value in values:
        if math.isfinite(value) and abs(value - round(value)) > _TOL * max(1.0, abs(value)):
            out.append((key, value))
    return out


_FORMULATION_INTEGER = re.compile(r"(?<![\w-])(?:integer|integers|binary|int)(?![\w-])", re.IGNORECASE)


@_register("integrality")
def check_integrality(context: CheckContext) -> Check:
    """Counting wording ("number of trucks") with only continuous variables and a fractional optimum warns."""
    name = "integrality"
    result = context.result
    if result is None:
        return _no_result(name)
    if not result.has_solution:
        return _check(name, CheckStatus.SKIP, "No solution to inspect for whole-number values.")
    stats = result.stats
    if stats.integer + stats.binary > 0:
        return _check(
            name,
            CheckStatus.PASS,
            f"The model has {stats.integer} integer and {stats.binary} binary variables.",
            integer=stats.integer,
            binary=stats.binary,
        )
    allowed = _continuous_allowed(context.problem.text)
    if allowed:
        message = f'The text allows fractional amounts ("{allowed}"); continuous variables fit.'
        return _check(name, CheckStatus.PASS, message, continuous_cue=allowed)
    cues = list(context.counts)
    declared = bool(context.formulation and _FORMULATION_INTEGER.search(context.formulation))
    if declared:
        cues.append("integer variables in the formulation")
    if not cues:
        return _check(name, CheckStatus.PASS, "The text does not ask for whole numbers.")
    fractional = _fractional(result.variable_values.items())
    details: dict[str, Any] = {"cues": cues, "fractional": dict(fractional[:20])}
    shown = ", ".join(f'"{c}"' for c in cues[:4])
    if not fractional:
        message = (
            f"The text counts whole things ({shown}) and every variable is continuous, but the optimum is "
            "whole-numbered anyway, so the answer stands."
        )
        return _check(name, CheckStatus.PASS, message, **details)
    listed = ", ".join(f"{key} = {value:.4g}" for key, value in fractional[:8])
    more = f" and {len(fractional) - 8} more" if len(fractional) > 8 else ""
    message = (
        f"The text counts whole things ({shown}) but every variable in the model is continuous, and the optimum "
        f"has fractional values: {listed}{more}. Declare the variables that count things (vehicles, people, units "
        "of a product) as integer (binary for yes/no decisions) and solve again; do not round the answer."
    )
    return _check(name, CheckStatus.WARN, message, **details)


@_register("sense")
def check_sense(context: CheckContext) -> Check:
    """The objective direction against the wording (and against the formulation's own objective line)."""
    name = "sense"
    result = context.result
    if result is None:
        return _no_result(name)
    model = result.sense
    cue = context.wording
    if cue is None:
        declared = _formulation_sense(context.formulation)
        if declared is not None and model is not ObjectiveSense.FEASIBILITY and declared is not model:
            message = (
                f"The formulation says {declared.value} but the program {_direction_word(model)}. Make the program "
                "follow the formulation (or fix the formulation if the text says otherwise)."
            )
            return _check(name, CheckStatus.FAIL, message, model_sense=model.value, formulation_sense=declared.value)
        return _check(
            name,
            CheckStatus.SKIP,
            "The wording does not clearly say whether to minimize or maximize.",
            model_sense=model.value,
        )
    details = {"model_sense": model.value, "wording_sense": cue.sense.value, "evidence": list(cue.evidence)}
    quoted = ", ".join(f'"{e}"' for e in cue.evidence[:3])
    if model is cue.sense:
        return _check(name, CheckStatus.PASS, f"The model {model.value}s, as the wording asks ({quoted}).", **details)
    if model is ObjectiveSense.FEASIBILITY:
        message = (
            f"The wording asks to {cue.sense.value} ({quoted}) but the model has no objective. Add the objective the "
            "text describes."
        )
    else:
        message = (
            f"The wording asks to {cue.sense.value} ({quoted}) but the model {_direction_word(model)}. State the "
            f"objective as {cue.sense.value} of the quantity the text names; do not negate it to flip the sense, "
            "since the reported objective value must be that quantity."
        )
    status = CheckStatus.FAIL if cue.strong else CheckStatus.WARN
    return _check(name, status, message, **details)


_SENSE_WORD = re.compile(rf"(?<![\w-])(?:(?P<max>{MAXIMIZE_VERB}|max)|(?P<min>{MINIMIZE_VERB}|min))(?![\w-])", re.I)
_SECTION_END = re.compile(r"^\s*(?:#|\*\*|subject\s+to|s\.t\.)|constraint|^[^:]{1,40}:\s*$", re.IGNORECASE)


def _objective_lines(formulation: str) -> list[str]:
    """The lines of the formulation's objective: from a line that names the objective to the next section."""
    lines = formulation.splitlines()
    found: list[str] = []
    inside = False
    for line in lines:
        if "objective" in line.lower():
            inside = True
        elif inside and _SECTION_END.search(line):
            inside = False
        if inside:
            found.append(line)
    if not found:  # no "objective" anywhere: an "max 5x + 4y" line alone states it
        found = [line for line in lines if re.match(r"^\W*(?:max|min)", line, re.IGNORECASE)]
    return found


def _formulation_sense(formulation: str | None) -> ObjectiveSense | None:
    """The direction the formulation's objective states, when its objective lines state exactly one.

    Only the objective's own lines are read, so a constraint called "min demand" or a parameter "max_hours"
    elsewhere in the formulation does not count.
    """
    if not formulation:
        return None
    senses = {
        ObjectiveSense.MAXIMIZE if match.group("max") else ObjectiveSense.MINIMIZE
        for line in _objective_lines(formulation)
        for match in _SENSE_WORD.finditer(line)
    }
    return senses.pop() if len(senses) == 1 else None


@_register("trivial")
def check_trivial(context: CheckContext) -> Check:
    """An optimum where nothing happens (every variable zero, or a maximized objective of 0) warns."""
    name = "trivial"
    result = context.result
    if result is None:
        return _no_result(name)
    if not result.has_solution:
        return _check(name, CheckStatus.SKIP, "No solution to inspect.")
    values = [v for v in result.variable_values.values() if math.isfinite(v)]
    objective = result.objective_value
    wants_max = (context.wording is not None and context.wording.sense is ObjectiveSense.MAXIMIZE) or (
        result.sense is ObjectiveSense.MAXIMIZE
    )
    details: dict[str, Any] = {"variables": len(values), "objective": objective}
    all_zero = bool(values) and all(abs(v) <= 1e-9 for v in values)
    zero_objective = objective is not None and abs(objective) <= 1e-9
    if all_zero and wants_max:
        message = (
            f"Every decision variable is zero at the optimum (objective {_fmt(objective)}): doing nothing is best, "
            "which a maximization rarely means. Check the signs of the objective coefficients (profit per unit "
            "positive), that costs are subtracted rather than dominant, and that the model maximizes."
        )
    elif all_zero:
        message = (
            f"Every decision variable is zero at the optimum (objective {_fmt(objective)}): nothing is produced, "
            "bought, shipped or assigned. The model probably misses the requirement that forces activity (a demand "
            "to meet, a minimum to produce, a coverage or assignment constraint, written with >= rather than <=)."
        )
    elif zero_objective and wants_max:
        message = (
            "The maximized objective is 0: the model finds no way to gain anything. Check that the objective "
            "includes the profit or value terms the text gives, with the right signs."
        )
    else:
        return _check(name, CheckStatus.PASS, "The optimum is not trivial.", **details)
    return _check(name, CheckStatus.WARN, message, all_zero=all_zero, **details)


@_register("certification")
def check_certification(context: CheckContext) -> Check:
    """An independent HiGHS re-solve of the exported instance must agree with what the program's solver said."""
    name = "certification"
    result = context.result
    if result is None:
        return _no_result(name)
    certification = result.certification
    if certification is None:
        stats = result.stats
        if (
            stats.quadratic_constraints
            or stats.nonlinear_constraints
            or stats.logical_constraints
            or stats.objective == "nonlinear"
        ):
            reason = (
                f"a {stats.problem_class} model: only models with linear constraints and a linear or quadratic "
                "objective are exported and certified"
            )
        elif not result.instance_path:
            notes = "; ".join(result.notes)
            reason = "the solve exported no instance" + (f" ({notes})" if notes else "")
        else:
            reason = "certification was turned off"
        return _check(name, CheckStatus.SKIP, f"Not certified: {reason}.", reason=reason)
    details = to_dict(certification)
    if certification.certified:
        return _check(
            name, CheckStatus.PASS, certification.detail or "Certified by an independent re-solve.", **details
        )
    message = (
        f"An independent HiGHS re-solve of the exported model does not confirm the program's answer: "
        f"{certification.detail or 'no detail'}. The solver call or the way the result is read is wrong (a "
        "relaxed or partial model was solved, a solver option changed the problem, or the values reported are not "
        "the solver's): build the whole model, solve it once with the default options, and read the result from "
        "the solver."
    )
    return _check(name, CheckStatus.FAIL, message, **details)
