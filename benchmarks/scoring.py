"""Scoring presets: each anchor's notion of "correct", reproduced exactly, always reported next to the strict rule.

Published accuracies are not comparable across papers because every anchor judges differently (ANCHORS.md §7):
ORLM rounds both values to integers and allows 5 %, SIRL retries with flipped variable types and passes timeouts on
infeasible labels, OptMATH retries with four source rewrites, AlphaOPT and ORThought use absolute tolerances, and
ReSocratic checks every named value. A preset names one of those rules so that a run can reproduce a published
number, while :attr:`Score.strict` keeps the one rule that is comparable everywhere and :attr:`Score.fallback` says
when a pass needed a lenient retry, so reports can count those apart.

Presets:

- ``strict``: ``|p-g|/(|g|+1) <= 1e-6`` (the ``+1`` makes a zero optimum an absolute 1e-6 test); an infeasible label
  passes iff the prediction is infeasible.
- ``sirl``: SIRL's ``check_result`` (§1.10): strict, plus a timeout passes an infeasible label, ``"nfeasible"`` in
  stdout passes iff the label is infeasible, and one retry of the program with its variable types flipped
  (:func:`sirl_flip_types`) through ``rerun``.
- ``orlm``: ORLM's judge (§2.3): both values rounded to integers (Python's ``round``: halves to even), relative error
  ``<= 5 %``, or ``|round(p)| <= 0.05`` when the ground truth rounds to 0; an infeasible label must be matched by an
  infeasible prediction.
- ``optmath``: the ORLM rule plus OptMATH's conversion fallbacks (§6.3): continuous→integer, integer→continuous,
  strict ``<``/``>``→``<=``/``>=``, MIN→MAX, MAX→MIN, each a source rewrite re-run through ``rerun``.
- ``alphaopt``: ``|p-g| <= 0.1``; ``orthought``: ``|p-g| < 0.01`` (strictly less, as ORThought's ``analyze.py``).
- ``resocratic``: every named value of ``item.extras["results"]`` within ``1e-4`` absolute of the prediction's
  :attr:`Prediction.values` (keys matched loosely, see :func:`match_named_value`); items without named results fall
  back to the objective within ``1e-4``.

Infeasible labels are judged the same way by every preset (pass iff the prediction is
:attr:`PredictionStatus.INFEASIBLE`) except for ``sirl``'s stdout/timeout leniency. Items whose ground truth is a
placeholder or missing are never passed: they score :attr:`ErrorCategory.UNSCORABLE` under every preset.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from benchmarks.types import AnswerStatus, ErrorCategory, Item, Prediction, PredictionStatus, Score

if TYPE_CHECKING:
    from solvers import CodeRun

__all__ = [
    "PRESETS",
    "Fallback",
    "Preset",
    "Rerun",
    "STDOUT_LIMIT",
    "is_close",
    "match_named_value",
    "optmath_cont_to_int",
    "optmath_int_to_cont",
    "optmath_max_to_min",
    "optmath_min_to_max",
    "optmath_strict_inequalities",
    "prediction_from_run",
    "prediction_from_text",
    "score",
    "sirl_flip_types",
]

Rerun = Callable[[str], Prediction]
"""Runs a (rewritten) program and returns what it predicts: how the retry presets re-execute a source transform."""

NumericRule = Callable[[float, float], bool]
"""``(predicted, expected) -> correct`` for a finite predicted objective and a finite ground truth."""

STDOUT_LIMIT = 20_000
"""Characters of stdout kept in a prediction (head and tail): enough for the markers, small enough for a run log."""


# -- numeric rules -----------------------------------------------------------------------------------------------


def _strict_rule(predicted: float, expected: float) -> bool:
    return abs(predicted - expected) / (abs(expected) + 1.0) <= 1e-6


def _orlm_rule(predicted: float, expected: float) -> bool:
    # ORLM's judge: round(gt), round(pred) with Python's round (halves to even: round(2.5) == 2), then a relative
    # 5 % test, or |pred| <= 0.05 (i.e. round(pred) == 0) when the ground truth rounds to 0.
    rounded_expected = round(expected)
    rounded_predicted = round(predicted)
    if rounded_expected == 0:
        return abs(rounded_predicted) <= 0.05
    return abs(rounded_predicted - rounded_expected) / abs(rounded_expected) <= 0.05


def _absolute_rule(tolerance: float, *, inclusive: bool) -> NumericRule:
    def rule(predicted: float, expected: float) -> bool:
        gap = abs(predicted - expected)
        return gap <= tolerance if inclusive else gap < tolerance

    return rule


_RESOCRATIC_TOL = 1e-4


# -- source transforms (retry fallbacks) -------------------------------------------------------------------------

_ADDVAR_CALL = re.compile(r"=\s*[\w.]+\.addVars?\(")


def _close_paren(source: str, open_index: int) -> int | None:
    """Index of the parenthesis closing the one at ``open_index`` (strings are not parsed: good enough for calls)."""
    depth = 0
    for index in range(open_index, len(source)):
        char = source[index]
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
    return None


def sirl_flip_types(source: str) -> str:
    """SIRL's ``change_variable_types`` (ANCHORS §1.10 step 5): the program its evaluator retries with.

    - If the text contains ``vtype`` or ``Vtype``: when ``INTEGER`` occurs anywhere, *every* ``INTEGER`` becomes
      ``CONTINUOUS``; otherwise every ``CONTINUOUS`` becomes ``INTEGER`` (plain text replacement, as SIRL does).
    - Without any ``vtype``: ``vtype=GRB.INTEGER`` is injected into every ``x = m.addVar(...)``/``addVars(...)``
      call. (``COPT.INTEGER`` for a coptpy program that never mentions ``GRB``, so the retry can run at all.)

    Returns the source unchanged when there is nothing to flip.
    """
    if "vtype" in source or "Vtype" in source:
        if "INTEGER" in source:
            return source.replace("INTEGER", "CONTINUOUS")
        return source.replace("CONTINUOUS", "INTEGER")
    integer = "COPT.INTEGER" if "COPT" in source and "GRB" not in source else "GRB.INTEGER"
    pieces: list[str] = []
    cursor = 0
    for match in _ADDVAR_CALL.finditer(source):
        if match.start() < cursor:
            continue
        open_index = match.end() - 1
        close_index = _close_paren(source, open_index)
        if close_index is None:
            continue
        arguments = source[open_index + 1 : close_index].rstrip()
        if not arguments.strip():
            separator = ""
        elif arguments.endswith(","):
            separator = " "
        else:
            separator = ", "
        pieces.append(source[cursor : open_index + 1] + arguments + f"{separator}vtype={integer}")
        cursor = close_index
    pieces.append(source[cursor:])
    return "".join(pieces)


def optmath_cont_to_int(source: str) -> str:
    """OptMATH fallback 1: every ``CONTINUOUS`` variable type becomes ``INTEGER``."""
    return re.sub(r"\bCONTINUOUS\b", "INTEGER", source)


def optmath_int_to_cont(source: str) -> str:
    """OptMATH fallback 2: every ``INTEGER`` variable type becomes ``CONTINUOUS``."""
    return re.sub(r"\bINTEGER\b", "CONTINUOUS", source)


_STRICT_LT = re.compile(r"(?<![<>=!])<(?![<=])")
_STRICT_GT = re.compile(r"(?<![<>=!\-])>(?![>=])")


def optmath_strict_inequalities(source: str) -> str:
    """OptMATH fallback 3: strict ``<``/``>`` in constraint lines become ``<=``/``>=``.

    Solvers reject strict inequalities (or read them as non-strict); a model that wrote them failed at run time.
    Only lines that add constraints are rewritten, so comparisons in ordinary Python code stay intact.
    """
    lines = source.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if "Constr" in line or "constraint" in line.lower():
            lines[index] = _STRICT_GT.sub(">=", _STRICT_LT.sub("<=", line))
    return "".join(lines)


def optmath_min_to_max(source: str) -> str:
    """OptMATH fallback 4: the objective sense ``MINIMIZE`` becomes ``MAXIMIZE``."""
    return re.sub(r"\bMINIMIZE\b", "MAXIMIZE", source)


def optmath_max_to_min(source: str) -> str:
    """OptMATH fallback 5: the objective sense ``MAXIMIZE`` becomes ``MINIMIZE``."""
    return re.sub(r"\bMAXIMIZE\b", "MINIMIZE", source)


# -- presets -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fallback:
    """A retry: rewrite the program, re-run it, judge the new prediction with the preset's own rule."""

    name: str
    """Recorded in :attr:`Score.fallback` when the retry turns a fail into a pass."""
    transform: Callable[[str], str]
    """The rewrite; a result equal to the source means "not applicable" and nothing is re-run."""


@dataclass(frozen=True, slots=True)
class Preset:
    """One anchor's scoring rule."""

    name: str
    description: str
    rule: NumericRule
    """The numeric rule alone (see :func:`is_close`)."""
    fallbacks: tuple[Fallback, ...] = ()
    sirl_leniency: bool = False
    """SIRL's extras: a timeout passes an infeasible label, ``"nfeasible"`` in stdout counts as an infeasible verdict,
    and a retry only counts when its stdout has no ``"nfeasible"``."""
    named_values: bool = False
    """Judge every named value of ``extras["results"]`` (ReSocratic) instead of the objective alone."""
    anchor: str = ""
    """Where the rule comes from (ANCHORS.md section)."""
    extra: Mapping[str, Any] = field(default_factory=dict)


_SIRL_FLIP = Fallback("sirl_type_flip", sirl_flip_types)
_OPTMATH_FALLBACKS = (
    Fallback("optmath_cont_to_int", optmath_cont_to_int),
    Fallback("optmath_int_to_cont", optmath_int_to_cont),
    Fallback("optmath_strict_inequalities", optmath_strict_inequalities),
    Fallback("optmath_min_to_max", optmath_min_to_max),
    Fallback("optmath_max_to_min", optmath_max_to_min),
)

PRESETS: Mapping[str, Preset] = MappingProxyType(
    {
        preset.name: preset
        for preset in (
            Preset("strict", "|p-g|/(|g|+1) <= 1e-6, no retries", _strict_rule, anchor="SIRL README, §7"),
            Preset(
                "sirl",
                "strict + timeout/'nfeasible' passes an infeasible label + one int/cont flip retry",
                _strict_rule,
                fallbacks=(_SIRL_FLIP,),
                sirl_leniency=True,
                anchor="ANCHORS §1.10",
            ),
            Preset(
                "orlm",
                "round both to int, relative error <= 5% (|p| <= 0.05 if g rounds to 0)",
                _orlm_rule,
                anchor="ANCHORS §2.3",
            ),
            Preset(
                "optmath",
                "ORLM rule + conversion fallbacks (cont->int, int->cont, < -> <=, MIN->MAX, MAX->MIN)",
                _orlm_rule,
                fallbacks=_OPTMATH_FALLBACKS,
                anchor="ANCHORS §6.3",
            ),
            Preset("alphaopt", "|p-g| <= 0.1", _absolute_rule(0.1, inclusive=True), anchor="ANCHORS §7"),
            Preset("orthought", "|p-g| < 0.01", _absolute_rule(0.01, inclusive=False), anchor="ANCHORS §6.4"),
            Preset(
                "resocratic",
                "every named result within 1e-4 absolute",
                _absolute_rule(_RESOCRATIC_TOL, inclusive=True),
                named_values=True,
                anchor="ANCHORS §5.2",
            ),
        )
    }
)


def _preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown scoring preset {name!r}; known: {', '.join(PRESETS)}") from None


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def is_close(preset: str, predicted: float | None, expected: float | None) -> bool:
    """The preset's numeric rule alone (no statuses, labels or retries); False when either value is not finite."""
    rule = _preset(preset).rule
    if predicted is None or expected is None or not (math.isfinite(predicted) and math.isfinite(expected)):
        return False
    return rule(predicted, expected)


# -- named values (ReSocratic) -----------------------------------------------------------------------------------


def _normalize_key(key: str) -> str:
    text = re.sub(r"[^0-9a-z]+", " ", key.lower()).strip()
    text = re.sub(r"^(the|a|an)\s+", "", text)
    return text.replace(" ", "")


def match_named_value(key: str, values: Mapping[str, float]) -> float | None:
    """The value a prediction gives for a named result, matching keys robustly.

    ReSocratic's results are keyed by descriptions ("The number of regular brand bags"); a program reports values by
    whatever names it prints or the solver holds. Keys match exactly, then ignoring case, punctuation, spacing,
    underscores and a leading article ("the_number_of_regular_brand_bags" matches). None when nothing matches.
    """
    if key in values:
        return values[key]
    wanted = _normalize_key(key)
    for name, value in values.items():
        if _normalize_key(name) == wanted:
            return value
    return None


def _float_or_none(raw: Any) -> float | None:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _objective_key(item: Item, results: Mapping[str, Any]) -> str | None:
    key = item.extras.get("answer_key")
    if isinstance(key, str) and key in results:
        return key
    if item.answer is None:
        return None
    # Without an explicit key, the objective is the last named result equal to the answer (ReSocratic lists it last).
    for name in reversed(list(results)):
        value = _float_or_none(results[name])
        if value is not None and abs(value - item.answer) <= _RESOCRATIC_TOL:
            return name
    return None


def _judge_named(item: Item, prediction: Prediction) -> tuple[bool, str]:
    results = item.extras.get("results")
    if not isinstance(results, Mapping) or not results:
        objective, answer = prediction.objective, item.answer
        ok = objective is not None and answer is not None and abs(objective - answer) <= _RESOCRATIC_TOL
        return ok, "no named results: objective within 1e-4"
    objective_key = _objective_key(item, results)
    for key, raw in results.items():
        expected = _float_or_none(raw)
        if expected is None:
            return False, f"named result {key!r} has no numeric ground truth ({raw!r})"
        got = match_named_value(key, prediction.values)
        if got is None and key == objective_key:
            got = prediction.objective
        if got is None:
            return False, f"no predicted value for {key!r}"
        if not abs(got - expected) <= _RESOCRATIC_TOL:
            return False, f"{key!r}: predicted {got:g}, expected {expected:g}"
    return True, f"all {len(results)} named results within 1e-4"


# -- judging -----------------------------------------------------------------------------------------------------


def _plain_pass(item: Item, prediction: Prediction, preset: Preset) -> bool:
    """The first judgement, without retries or SIRL leniency."""
    if item.answer_status is AnswerStatus.INFEASIBLE:
        return prediction.status is PredictionStatus.INFEASIBLE
    if prediction.status is not PredictionStatus.SOLVED or not _finite(prediction.objective):
        return False
    if preset.named_values:
        return _judge_named(item, prediction)[0]
    assert item.answer is not None and prediction.objective is not None
    return math.isfinite(item.answer) and preset.rule(prediction.objective, item.answer)


def _says_infeasible(prediction: Prediction) -> bool:
    # SIRL reads the verdict from stdout ("Infeasible model", "INFEASIBLE", "infeasible" all contain "nfeasible");
    # our harness knows the status itself, so either counts.
    return "nfeasible" in prediction.stdout or prediction.status is PredictionStatus.INFEASIBLE


def _category(item: Item, prediction: Prediction) -> ErrorCategory:
    status = prediction.status
    if status is PredictionStatus.NO_CODE:
        return ErrorCategory.NO_CODE
    if status is PredictionStatus.ERROR:
        return ErrorCategory.RUNTIME_ERROR
    if status is PredictionStatus.TIMEOUT:
        return ErrorCategory.TIMEOUT
    if status is PredictionStatus.NO_OBJECTIVE:
        return ErrorCategory.NO_ANSWER
    if status in (PredictionStatus.INFEASIBLE, PredictionStatus.UNBOUNDED):
        if item.answer_status is AnswerStatus.INFEASIBLE:
            return ErrorCategory.WRONG_OBJECTIVE  # unbounded where infeasible was expected: a wrong verdict
        return ErrorCategory.INFEASIBLE
    return ErrorCategory.WRONG_OBJECTIVE


def _retry(
    item: Item,
    preset: Preset,
    program: str | None,
    rerun: Rerun | None,
    notes: list[str],
) -> tuple[str, Prediction] | None:
    """Run the preset's fallbacks in order; the first rewrite whose re-run passes wins."""
    if not preset.fallbacks:
        return None
    if program is None or rerun is None:
        missing = "program" if program is None else "rerun"
        notes.append(f"fallbacks skipped (no {missing})")
        return None
    for fallback in preset.fallbacks:
        rewritten = fallback.transform(program)
        if rewritten == program:
            notes.append(f"{fallback.name}: not applicable")
            continue
        retried = rerun(rewritten)
        passed = _plain_pass(item, retried, preset)
        if preset.sirl_leniency and "nfeasible" in retried.stdout:
            passed = False  # SIRL: the retry passes only when its stdout has no "nfeasible"
        notes.append(f"{fallback.name}: {retried.status.value} {retried.objective!r} -> {'pass' if passed else 'fail'}")
        if passed:
            return fallback.name, retried
    return None


_NOT_RETRIED = frozenset({PredictionStatus.NO_CODE, PredictionStatus.TIMEOUT})
"""Predictions a rewrite cannot help (nothing to rewrite; a rewrite of a timed-out program would time out again).
Fallbacks apply to numeric ground truths only: a rewrite cannot make a program "more infeasible"."""


def score(
    item: Item,
    prediction: Prediction,
    preset: str = "strict",
    *,
    program: str | None = None,
    rerun: Rerun | None = None,
) -> Score:
    """Judge ``prediction`` against ``item`` under ``preset``; :attr:`Score.strict` is always the strict verdict.

    ``program`` and ``rerun`` serve the retry presets (``sirl``, ``optmath``): a fallback rewrites ``program`` and
    calls ``rerun`` on the result; without them the retries are skipped and the score's detail says so. ``rerun`` is
    called only when the first judgement fails and a rewrite changes the source, so a cheap preset never runs code.
    Unscorable items (placeholder or missing ground truth) are never passed. Raises ``ValueError`` for an unknown
    preset.
    """
    chosen = _preset(preset)
    if chosen.sirl_leniency and item.answer_status is AnswerStatus.OK and item.answer == -9999:
        # SIRL's checker reads a ground truth of -9999 as its infeasible label; two items of the shipped SIRL suites
        # (mamo_easy-0630, mamo_complex-0070) keep that sentinel as a number, so only this preset relabels them.
        item = dataclasses.replace(item, answer=None, answer_status=AnswerStatus.INFEASIBLE)
    expected = item.answer
    predicted = prediction.objective
    if not item.scorable:
        return Score(
            preset=chosen.name,
            passed=False,
            strict=False,
            category=ErrorCategory.UNSCORABLE,
            expected=expected,
            predicted=predicted,
            detail=f"ground truth is {item.answer_status.value} ({item.answer_raw!r}): not scorable",
        )
    strict = _plain_pass(item, prediction, PRESETS["strict"])
    notes: list[str] = []
    passed = _plain_pass(item, prediction, chosen)
    fallback: str | None = None
    infeasible_label = item.answer_status is AnswerStatus.INFEASIBLE

    if chosen.sirl_leniency:
        if prediction.status is PredictionStatus.NO_CODE or prediction.status is PredictionStatus.ERROR:
            passed = False
        elif prediction.status is PredictionStatus.TIMEOUT:
            passed = infeasible_label
            fallback = "sirl_timeout_infeasible" if passed else None
        elif not passed:
            if not infeasible_label:
                retried = _retry(item, chosen, program, rerun, notes)
                if retried is not None:
                    passed, fallback = True, retried[0]
            if not passed and _says_infeasible(prediction) and infeasible_label:
                passed, fallback = True, "sirl_nfeasible_stdout"
    elif not passed and not infeasible_label and prediction.status not in _NOT_RETRIED:
        retried = _retry(item, chosen, program, rerun, notes)
        if retried is not None:
            passed, fallback = True, retried[0]

    if chosen.named_values and prediction.status is PredictionStatus.SOLVED and not infeasible_label:
        notes.insert(0, _judge_named(item, prediction)[1])
    if not passed:
        notes.insert(0, _failure_detail(item, prediction))
    return Score(
        preset=chosen.name,
        passed=passed,
        strict=strict,
        category=ErrorCategory.CORRECT if passed else _category(item, prediction),
        fallback=fallback,
        expected=expected,
        predicted=predicted,
        detail="; ".join(notes),
    )


def _failure_detail(item: Item, prediction: Prediction) -> str:
    if item.answer_status is AnswerStatus.INFEASIBLE:
        return f"ground truth infeasible, prediction {prediction.status.value}"
    if prediction.status is PredictionStatus.SOLVED:
        return f"predicted {prediction.objective!r}, expected {item.answer!r}"
    return f"prediction {prediction.status.value}" + (f": {prediction.detail}" if prediction.detail else "")


# -- predictions -------------------------------------------------------------------------------------------------


def _truncate(text: str, limit: int = STDOUT_LIMIT) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n... [{len(text) - limit} characters cut] ...\n{text[-half:]}"


def prediction_from_run(run: CodeRun | None, *, program_found: bool = True) -> Prediction:
    """What a sandboxed run of a program predicts, from the captured solve (never from what it printed).

    - No run, or no program in the completion: ``NO_CODE``. Timeout: ``TIMEOUT``. Syntax/runtime error, sandbox
      violation, memory limit: ``ERROR``. A run without any solve call: ``NO_OBJECTIVE``.
    - A normal run is judged by its last solve: optimal or feasible (a limit-stopped incumbent) with a finite
      objective → ``SOLVED``; infeasible → ``INFEASIBLE``; ``infeasible_or_unbounded`` → ``INFEASIBLE`` too, because
      the anchors read it so (Gurobi's "Infeasible or unbounded model" contains SIRL's "nfeasible" marker, ORLM's
      footer prints "No Best Solution" for it) and solvers report it mostly when presolve finds infeasibility;
      unbounded → ``UNBOUNDED``; anything else (no solution at a limit, solver error) → ``NO_OBJECTIVE``.

    ``values`` holds the last solve's variable values plus ``"objective"``; stdout is kept (head and tail,
    :data:`STDOUT_LIMIT` characters) for the SIRL rule's ``"nfeasible"`` test and for the report.
    """
    from solvers import RunOutcome, Termination

    if run is None or not program_found:
        return Prediction(status=PredictionStatus.NO_CODE, detail="no program in the completion")
    stdout = _truncate(run.stdout)
    if run.outcome is RunOutcome.TIMEOUT:
        return Prediction(status=PredictionStatus.TIMEOUT, stdout=stdout, detail=run.error or "timeout")
    if run.outcome in (
        RunOutcome.SYNTAX_ERROR,
        RunOutcome.RUNTIME_ERROR,
        RunOutcome.SANDBOX_VIOLATION,
        RunOutcome.MEMORY_LIMIT,
    ):
        return Prediction(status=PredictionStatus.ERROR, stdout=stdout, detail=f"{run.outcome.value}: {run.error}")
    result = run.result
    if run.outcome is RunOutcome.NO_SOLVE_CALL or result is None:
        return Prediction(status=PredictionStatus.NO_OBJECTIVE, stdout=stdout, detail="no solve call")
    termination = result.termination
    objective = result.objective_value
    values = {name: float(value) for name, value in result.variable_values.items()}
    detail = f"{termination.value}" + (f" ({result.raw_status})" if result.raw_status else "")
    if termination in (Termination.OPTIMAL, Termination.FEASIBLE) and _finite(objective):
        assert objective is not None
        values["objective"] = float(objective)
        return Prediction(
            status=PredictionStatus.SOLVED, objective=float(objective), values=values, stdout=stdout, detail=detail
        )
    if termination in (Termination.INFEASIBLE, Termination.INFEASIBLE_OR_UNBOUNDED):
        return Prediction(status=PredictionStatus.INFEASIBLE, stdout=stdout, detail=detail)
    if termination is Termination.UNBOUNDED:
        return Prediction(status=PredictionStatus.UNBOUNDED, stdout=stdout, detail=detail)
    return Prediction(status=PredictionStatus.NO_OBJECTIVE, values=values, stdout=stdout, detail=detail)


ORLM_MARKER = "Just print the best solution:"
"""ORLM's footer (and SIRL's Gurobi inference print): the objective follows on the same line."""
SIRL_MARKERS = ("Just print the best obj:", "Just print the best solution:")
"""SIRL's injected prints (training/COPT inference, Gurobi inference)."""
ORLM_NO_SOLUTION = "No Best Solution"
_SIRL_NUMBER = re.compile(r"-?\d+\.?\d*")


def prediction_from_text(
    stdout: str,
    *,
    style: Literal["auto", "orlm", "sirl"] = "auto",
    detail: str = "",
) -> Prediction:
    r"""The objective a program *printed*, parsed the way the anchors parse it (for replaying recorded outputs).

    Live runs are judged from the captured solve (:func:`prediction_from_run`); this is only for records that kept
    nothing but stdout (ORLM's ``execution_result``, SIRL-style markers).

    - ``orlm``: the text after the *last* ``Just print the best solution:`` on its line, as ``float`` (ORLM's
      ``execution_best_solution`` is exactly that string); else ``"No Best Solution"`` anywhere → ``INFEASIBLE``
      (ORLM's footer prints it for any non-optimal status, so this reproduces its judge, not the true status);
      else ``NO_OBJECTIVE``.
    - ``sirl``: the first line containing a SIRL marker, first number matched by ``-?\d+\.?\d*`` (so, as in SIRL,
      ``5e-05`` reads as 5.0 and a marker the program printed itself wins); else ``"nfeasible"`` in stdout →
      ``INFEASIBLE``; else ``NO_OBJECTIVE``.
    - ``auto``: ORLM's reading when its marker or "No Best Solution" is present, else SIRL's.

    The caller decides what a failed execution is (``ERROR``/``TIMEOUT``); this only reads the text. ``stdout`` is
    kept (truncated) in the prediction.
    """
    kept = _truncate(stdout)
    if style == "auto":
        style = "orlm" if (ORLM_MARKER in stdout or ORLM_NO_SOLUTION in stdout) else "sirl"
    if style == "orlm":
        if ORLM_MARKER in stdout:
            after = stdout.rsplit(ORLM_MARKER, 1)[1]
            text = after.splitlines()[0].strip() if after.strip() else ""
            value = _float_or_none(text)
            if value is not None:
                return Prediction(
                    status=PredictionStatus.SOLVED,
                    objective=value,
                    values={"objective": value},
                    stdout=kept,
                    detail=detail or "ORLM marker",
                )
            return Prediction(
                status=PredictionStatus.NO_OBJECTIVE, stdout=kept, detail=detail or f"unparsable objective {text!r}"
            )
        if ORLM_NO_SOLUTION in stdout:
            return Prediction(status=PredictionStatus.INFEASIBLE, stdout=kept, detail=detail or ORLM_NO_SOLUTION)
        return Prediction(status=PredictionStatus.NO_OBJECTIVE, stdout=kept, detail=detail or "no ORLM marker")
    for line in stdout.splitlines():
        if any(marker in line for marker in SIRL_MARKERS):
            numbers = _SIRL_NUMBER.findall(line)
            if numbers:
                value = float(numbers[0])
                return Prediction(
                    status=PredictionStatus.SOLVED,
                    objective=value,
                    values={"objective": value},
                    stdout=kept,
                    detail=detail or "SIRL marker",
                )
            break
    if "nfeasible" in stdout:
        return Prediction(status=PredictionStatus.INFEASIBLE, stdout=kept, detail=detail or "'nfeasible' in stdout")
    return Prediction(status=PredictionStatus.NO_OBJECTIVE, stdout=kept, detail=detail or "no objective marker")
