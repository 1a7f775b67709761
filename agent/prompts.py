"""Prompts: the project's own, per modelling library, and profiles that speak the published checkpoints' formats.

**Our prompts** follow the graph's steps. :func:`formulation_messages` asks for a structured formulation (sets,
parameters, decision variables with types and bounds, objective with its sense, constraints);
:func:`program_messages` asks for a complete program in the target dialect that builds that model, solves it and
prints the solver's status and objective; :func:`repair_messages` feeds a failed attempt back with the
solver-informed diagnosis; :func:`single_shot_messages` asks for both parts in one reply. Every reply comes back in
the optagent layout (``## Formulation`` / ``## Program``, defined in :mod:`agent.parsing`, which reads it back).
Builders return chat messages (``[{"role": ..., "content": ...}]``) and keep the problem text verbatim.

**Profiles** (:data:`PROFILES`) reproduce the *formats* the published checkpoints were fine-tuned on — message
layout, section markers, the response contract — because a fine-tuned model served with a different layout loses
much of what it learned. The wording is ours (ANCHORS.md keeps the anchors' prompt text out of this code); a user
who wants a checkpoint's exact training text can supply it with :meth:`PromptProfile.with_template` or
:func:`load_profile`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from agent.parsing import FORMULATION_HEADING, FORMULATION_SECTIONS, PROGRAM_HEADING, ResponseFormat, fence_for
from solvers.program import UnknownDialectError

__all__ = [
    "DIALECTS",
    "DIALECT_GUIDES",
    "PROFILES",
    "SYSTEM_PROMPT",
    "Messages",
    "PromptProfile",
    "dialect_name",
    "formulation_messages",
    "has_tabular_data",
    "load_profile",
    "program_messages",
    "repair_messages",
    "single_shot_messages",
]

Messages = list[dict[str, str]]
"""Chat messages, each ``{"role": "system" | "user" | "assistant", "content": ...}``."""

DIALECTS: tuple[str, ...] = ("pyomo", "highspy", "cvxpy", "ortools", "pyscipopt", "gurobipy", "coptpy")
"""Modelling libraries a program may be written against (gurobipy/coptpy run on open-source solvers)."""

_DIALECT_ALIASES = {
    "highs": "highspy",
    "scip": "pyscipopt",
    "or-tools": "ortools",
    "cp-sat": "ortools",
    "cpsat": "ortools",
    "gurobi": "gurobipy",
    "copt": "coptpy",
}


def dialect_name(dialect: str) -> str:
    """The canonical name of a dialect (accepts :class:`solvers.Dialect` values and common aliases).

    Raises:
        UnknownDialectError: For a name outside :data:`DIALECTS`; asking for a program in an unknown library is a
            caller's mistake, not model output, so it is not absorbed.
    """
    key = str(dialect).strip().lower()
    key = _DIALECT_ALIASES.get(key, key)
    if key not in DIALECTS:
        raise UnknownDialectError(f"unknown dialect {dialect!r}; choose one of: {', '.join(DIALECTS)}")
    return key


# -- the shared instructions --------------------------------------------------------------------------------------

SYSTEM_PROMPT = """\
You are an operations-research modelling assistant. You read an optimization problem written in plain language, \
state it as an exact mathematical model, and write a Python program that builds the model and solves it with a \
solver. Your programs are run automatically and the solver's own result is checked, so a program must run \
unattended, solve the model it builds, and report what the solver found.

Modelling rules:
- Use only the facts and numbers the problem gives. When something the model needs is missing, make the most \
natural assumption and state it in one line.
- Choose variable types from what the variables mean: counts of indivisible things (people, trucks, machines, \
batches, items sold whole) are integers; yes/no choices are binary; divisible amounts (money, weight, time, \
volume) are continuous. An explicit statement in the problem overrides this.
- Give every variable the bounds the problem implies; quantities are usually non-negative.
- Take the direction of the objective from the wording: costs, time, distance or waste are minimized; profit, \
revenue, output or coverage are maximized.
- Keep units consistent (convert hours to minutes, percentages to fractions) before writing coefficients.
- Every sentence that limits a choice becomes a constraint; none may be dropped or invented."""
"""The system message of our own prompts."""

_SECTION_HINTS = {
    "sets": "The index sets with their members, e.g. `P = {chairs, tables}`. Write `None` when there are no indices.",
    "parameters": "Every given number as `symbol = value`, with its unit and meaning; a table becomes an indexed "
    "parameter.",
    "variables": "Each variable: its symbol and index range, what it means, its type (continuous, integer or binary) "
    "and its bounds, e.g. `x_p >= 0, integer, p in P: units of product p made`.",
    "objective": "`minimize` or `maximize`, then the expression in the symbols above.",
    "constraints": "One line per constraint (family): a short name, the expression with its index range, and the "
    "requirement of the problem it encodes.",
}


def _formulation_template() -> str:
    parts = [FORMULATION_HEADING, ""]
    for key, heading in FORMULATION_SECTIONS:
        parts += [heading, _SECTION_HINTS[key], ""]
    return "\n".join(parts).rstrip()


FORMULATION_TEMPLATE = _formulation_template()
"""The formulation layout our prompts ask for (headings from :data:`agent.parsing.FORMULATION_SECTIONS`)."""

PROGRAM_TEMPLATE = f"{PROGRAM_HEADING}\n\n```python\n<the complete program>\n```"
"""The program layout our prompts ask for: one heading, one fenced block."""

DIALECT_GUIDES: dict[str, str] = {
    "pyomo": """\
Library: Pyomo (`import pyomo.environ as pyo`).
- Build a `pyo.ConcreteModel()`. Declare variables with `within=pyo.NonNegativeReals`, `pyo.NonNegativeIntegers` or \
`pyo.Binary`, and `bounds=(lo, hi)` where the problem gives limits.
- Solve with `pyo.SolverFactory("highs")` (or `"appsi_highs"`) for linear and mixed-integer linear models, \
`"scip"` for nonlinear models with integer variables, `"ipopt"` for smooth nonlinear models with continuous \
variables only.
- Read the outcome from `results.solver.termination_condition` (compare with `pyo.TerminationCondition.optimal`) \
and the objective with `pyo.value(model.obj)`.""",
    "highspy": """\
Library: HiGHS through highspy (`import highspy`).
- `h = highspy.Highs()`, then `h.setOptionValue("output_flag", False)` to keep the log quiet.
- Variables: `h.addVariable(lb=0, ub=highspy.kHighsInf)` for continuous ones, `h.addIntegral(lb=0, ub=...)` for \
integers, `h.addBinary()` for yes/no choices.
- Constraints: `h.addConstr(expression <= bound)`. Objective and solve in one call: `h.minimize(expression)` or \
`h.maximize(expression)`.
- Status: `h.getModelStatus() == highspy.HighsModelStatus.kOptimal`; objective \
`h.getInfo().objective_function_value`; a variable's value `h.val(x)`.""",
    "cvxpy": """\
Library: CVXPY (`import cvxpy as cp`).
- Variables: `cp.Variable(n, nonneg=True)`, with `integer=True` for counts and `boolean=True` for yes/no choices. \
The model must follow CVXPY's disciplined convex programming rules.
- Pick the solver explicitly: `prob.solve(solver=cp.HIGHS)` for linear and mixed-integer linear models, \
`cp.CLARABEL` for continuous convex models (quadratic, second-order cone, exponential cone), `cp.SCIP` for \
mixed-integer models with convex nonlinear parts. Never OSQP for a linear model (its optima are inexact).
- Status: `prob.status == cp.OPTIMAL`; objective `prob.value`; values `x.value`.""",
    "ortools": """\
Library: OR-Tools.
- When every variable is integer or binary and every coefficient an integer (scale decimals first), use CP-SAT: \
`from ortools.sat.python import cp_model`, `m = cp_model.CpModel()`, `m.new_int_var(lo, hi, name)`, \
`m.new_bool_var(name)`, `m.add(...)`, `m.minimize(...)`/`m.maximize(...)`, `solver = cp_model.CpSolver()`, \
`status = solver.solve(m)`; `status == cp_model.OPTIMAL`; `solver.objective_value`.
- Otherwise the linear solver wrapper: `from ortools.linear_solver import pywraplp`, \
`solver = pywraplp.Solver.CreateSolver("SCIP")` when any variable is integer (`"GLOP"` only when all are \
continuous: GLOP and PDLP silently ignore integrality), `solver.NumVar/IntVar/BoolVar`, `solver.Add`, \
`solver.Minimize/Maximize`, `status = solver.Solve()`; `status == pywraplp.Solver.OPTIMAL`; \
`solver.Objective().Value()`.""",
    "pyscipopt": """\
Library: SCIP through PySCIPOpt (`from pyscipopt import Model, quicksum`).
- `m = Model()`, `m.hideOutput()`. Variables: `m.addVar(vtype="C" | "I" | "B", lb=0, ub=None)`; the lower bound \
defaults to 0, so pass `lb=None` for a free variable.
- Constraints `m.addCons(...)`; objective `m.setObjective(expression, "minimize" | "maximize")`. For a nonlinear \
objective, optimize an auxiliary variable constrained to equal the expression.
- `m.optimize()`; `m.getStatus() == "optimal"`; objective `m.getObjVal()`; values `m.getVal(x)`.""",
    "gurobipy": """\
Library: the gurobipy API (`import gurobipy as gp`, `from gurobipy import GRB`). optagent runs it on open-source \
solvers through a compatibility layer covering the common modelling calls, so keep to them.
- `m = gp.Model()`; variables `m.addVar` / `m.addVars(..., vtype=GRB.CONTINUOUS | GRB.INTEGER | GRB.BINARY, lb=, \
ub=)` (the lower bound defaults to 0); `m.addConstr` / `m.addConstrs`; `gp.quicksum`; \
`m.setObjective(expression, GRB.MINIMIZE | GRB.MAXIMIZE)`.
- `m.optimize()`; `m.Status == GRB.OPTIMAL`; objective `m.ObjVal`; values `x.X`. No callbacks or \
solver-specific parameters.""",
    "coptpy": """\
Library: the coptpy API (`import coptpy as cp`, `from coptpy import COPT`). optagent runs it on open-source \
solvers through a compatibility layer covering the common modelling calls, so keep to them.
- `env = cp.Envr()`, `m = env.createModel("model")`; variables `m.addVar(lb=0, ub=COPT.INFINITY, \
vtype=COPT.CONTINUOUS | COPT.INTEGER | COPT.BINARY)` / `m.addVars`; `m.addConstr` / `m.addConstrs`; \
`cp.quicksum`; `m.setObjective(expression, sense=COPT.MINIMIZE | COPT.MAXIMIZE)`.
- Solve with `m.solve()`; `m.status == COPT.OPTIMAL`; objective `m.objval`; values `x.x`.""",
}
"""Per-library notes: the calls that work, the solver to pick, where the status and objective are read."""


_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$")
_NUMBERS = re.compile(r"-?\d+(?:\.\d+)?")


def has_tabular_data(problem_text: str) -> bool:
    """Whether the problem carries tables (Markdown, tab-separated, or a block of number rows).

    Decides whether a program should keep its data apart from the model (OptiMUS-style; ANCHORS.md §6.1): with
    tables, transcribing numbers into constraints by hand is where generated programs go wrong.
    """
    lines = problem_text.replace("\r\n", "\n").split("\n")
    if any(_TABLE_RULE.match(line) for line in lines) and sum(1 for ln in lines if _TABLE_ROW.match(ln)) >= 2:
        return True
    run_tabs = run_numbers = 0
    for line in lines:
        run_tabs = run_tabs + 1 if line.count("\t") >= 2 else 0
        run_numbers = run_numbers + 1 if len(_NUMBERS.findall(line)) >= 3 and len(line) < 200 else 0
        if run_tabs >= 3 or run_numbers >= 3:
            return True
    return False


def _problem_block(problem_text: str) -> str:
    return f"<problem>\n{problem_text}\n</problem>"


def _insights_block(insights: Sequence[str]) -> str:
    items = [str(i).strip() for i in insights if str(i).strip()]
    if not items:
        return ""
    rendered = "\n".join("- " + item.replace("\n", "\n  ") for item in items)
    return (
        "Lessons from earlier problems. Apply a lesson only where its condition matches this problem, and ignore "
        f"the others:\n{rendered}\n\n"
    )


_LIBRARY_NAMES = {
    "pyomo": "Pyomo",
    "highspy": "HiGHS (highspy)",
    "cvxpy": "CVXPY",
    "ortools": "OR-Tools",
    "pyscipopt": "SCIP (pyscipopt)",
    "gurobipy": "the gurobipy API",
    "coptpy": "the coptpy API",
}


def _library(dialect: str) -> str:
    return _LIBRARY_NAMES[dialect]


def _program_rules(dialect: str, data_separate: bool | None, *, formulation: bool = True) -> str:
    """The requirements every program must meet, then the library notes.

    ``data_separate=None`` (repairs) leaves the data layout as the program already has it.
    """
    rules: list[str] = []
    if formulation:
        rules.append(
            "Implement the formulation exactly: the same variables with the same types and bounds, the same "
            "objective and sense, every constraint."
        )
    if data_separate:
        rules.append(
            "The problem contains tables. Put all of its data in one dictionary literal named `DATA` at the top of "
            "the program, right after the imports (lists and nested dictionaries keyed by the names the problem "
            "uses), and make the model code read every number from `DATA`; no number from the problem may be typed "
            "into the model code itself."
        )
    elif data_separate is not None:
        rules.append("Give the problem's numbers names near the top of the program, then build the model from them.")
    rules += [
        "The program runs on its own: no `input()`, no files, no network, no plots, no command-line arguments. "
        f"Import only the standard library and `{dialect}`.",
        "Solve the model with the solver, then print the solver's status on a line starting with `status:` and, "
        "when a solution exists, the objective on a line starting with `objective:`, followed by the decision "
        "variables as `name = value` lines. Never print an objective that did not come from the solver.",
    ]
    numbered = "\n".join(f"{i}. {rule}" for i, rule in enumerate(rules, 1))
    return f"Program requirements:\n{numbered}\n\n{DIALECT_GUIDES[dialect]}"


def _messages(user: str) -> Messages:
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


# -- our builders -------------------------------------------------------------------------------------------------


def formulation_messages(problem_text: str, dialect: str, insights: Sequence[str] = ()) -> Messages:
    """Ask for the structured formulation of a problem, in the optagent layout, without code.

    Args:
        problem_text: The problem as the user gave it; included verbatim.
        dialect: The library the model will be written in; named so the model uses what it can express.
        insights: Experience-library insights already judged applicable (the caller caps their number).
    """
    name = dialect_name(dialect)
    user = (
        f"Formulate the optimization problem below as a mathematical model. A later step implements your model with "
        f"{_library(name)} (dialect `{name}`), so use constructs that library can express.\n\n"
        f"{_problem_block(problem_text)}\n\n"
        f"{_insights_block(insights)}"
        "Reply with the model in exactly this layout, replacing each description with the content, and nothing "
        f"else (no code):\n\n{FORMULATION_TEMPLATE}"
    )
    return _messages(user)


def program_messages(
    problem_text: str, formulation: str, dialect: str, data_separate: bool, insights: Sequence[str] = ()
) -> Messages:
    """Ask for a complete, runnable program implementing a formulation in the target dialect.

    Args:
        problem_text: The problem as the user gave it; included verbatim.
        formulation: The formulation to implement (usually the parsed reply to :func:`formulation_messages`).
        dialect: The library to write the program with.
        data_separate: Keep the data in a ``DATA`` dictionary at the top, read by the model code (for problems with
            tables; see :func:`has_tabular_data`).
        insights: Experience-library insights for the code stage.
    """
    name = dialect_name(dialect)
    user = (
        f"Write a complete Python program that builds and solves the model below with {_library(name)} "
        f"(dialect `{name}`).\n\n"
        f"{_problem_block(problem_text)}\n\n"
        f"<formulation>\n{formulation.strip()}\n</formulation>\n\n"
        f"{_insights_block(insights)}"
        f"{_program_rules(name, data_separate)}\n\n"
        f"Reply in exactly this layout:\n\n{PROGRAM_TEMPLATE}"
    )
    return _messages(user)


def repair_messages(
    problem_text: str,
    formulation: str | None,
    program: str,
    feedback: str,
    dialect: str | None = None,
    insights: Sequence[str] = (),
) -> Messages:
    """Ask for a targeted fix of a program that failed a check, given the solver-informed feedback.

    Args:
        problem_text: The problem as the user gave it; included verbatim.
        formulation: The formulation the program implements, or None when there was none.
        program: The program that failed; included verbatim in a fence longer than any backtick run inside it.
        feedback: What the checks found (traceback, infeasible subset, unbounded variables, suspicious solution...).
        dialect: The program's library; detected from its imports when not given (pyomo when nothing matches).
        insights: Experience-library insights for the repair.
    """
    name = dialect_name(dialect) if dialect is not None else _detect(program)
    fence = fence_for(program)
    model = f"<formulation>\n{formulation.strip()}\n</formulation>\n\n" if formulation and formulation.strip() else ""
    user = (
        "The program below was written for this problem and run; a check of its result found a problem. Fix it.\n\n"
        f"{_problem_block(problem_text)}\n\n"
        f"{model}"
        f"The program ({name}):\n\n{fence}python\n{program.rstrip()}\n{fence}\n\n"
        f"<feedback>\n{feedback.strip()}\n</feedback>\n\n"
        f"{_insights_block(insights)}"
        "How to fix it:\n"
        "- Find the cause of what the feedback reports before changing anything. Change what that cause requires "
        "and keep everything that is right.\n"
        "- If the model itself is wrong (a missing or wrong constraint, the wrong sense, a wrong variable type or "
        "bound), correct the formulation as well as the program.\n"
        "- Errors raised by the library: follow the notes below.\n\n"
        f"{_program_rules(name, data_separate=None, formulation=bool(model))}\n\n"
        "Reply in exactly this layout: first `## Diagnosis` with one or two sentences on what was wrong; then, only "
        f"when the model changed, the corrected formulation under `{FORMULATION_HEADING}` with its usual parts; then "
        f"the complete corrected program (not a diff):\n\n{PROGRAM_TEMPLATE}"
    )
    return _messages(user)


def single_shot_messages(
    problem_text: str, dialect: str, insights: Sequence[str] = (), data_separate: bool | None = None
) -> Messages:
    """Ask for the formulation and the program in one reply (cheaper; used for sampling many candidates).

    Args:
        problem_text: The problem as the user gave it; included verbatim.
        dialect: The library to write the program with.
        insights: Experience-library insights.
        data_separate: Keep data apart from the model; decided by :func:`has_tabular_data` when None.
    """
    name = dialect_name(dialect)
    separate = has_tabular_data(problem_text) if data_separate is None else data_separate
    user = (
        f"Formulate the optimization problem below as a mathematical model, then write a complete Python program "
        f"that builds and solves it with {_library(name)} (dialect `{name}`).\n\n"
        f"{_problem_block(problem_text)}\n\n"
        f"{_insights_block(insights)}"
        f"{_program_rules(name, separate)}\n\n"
        "Reply in exactly this layout, replacing each description with the content:\n\n"
        f"{FORMULATION_TEMPLATE}\n\n{PROGRAM_TEMPLATE}"
    )
    return _messages(user)


_IMPORT_DIALECT = re.compile(
    r"^[ \t]*(?:import|from)[ \t]+(pyomo|highspy|cvxpy|ortools|pyscipopt|gurobipy|coptpy)\b", re.MULTILINE
)


def _detect(program: str) -> str:
    match = _IMPORT_DIALECT.search(program)
    return match.group(1) if match else "pyomo"


# -- profiles for published checkpoints ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PromptProfile:
    """How to prompt one published checkpoint so that it sees the format it was trained on.

    Attributes:
        name: Profile name (the key in :data:`PROFILES`).
        dialect: The library the checkpoint writes programs for.
        build: ``problem_text -> messages`` for the (first) request.
        response_format: The layout the checkpoint answers in; :func:`agent.parsing.parse_response` recognizes it.
        build_program: For checkpoints trained on separate formulation and code requests (LLMOPT):
            ``(problem_text, formulation) -> messages`` for the second request; None for one-request profiles.
        chat: False when the checkpoint was trained on a raw prompt without a chat template (ORLM): send
            :meth:`completion_prompt` to a completions endpoint rather than the messages to a chat endpoint.
        decoding: The decoding settings the checkpoint's authors evaluated with (ANCHORS.md §1.2, §2.3), as
            defaults a backend may apply.
        source: Where the format is documented.
    """

    name: str
    dialect: str
    build: Callable[[str], Messages]
    response_format: ResponseFormat
    build_program: Callable[[str, str], Messages] | None = None
    chat: bool = True
    decoding: Mapping[str, object] = field(default_factory=dict, hash=False)
    source: str = ""

    def completion_prompt(self, problem_text: str) -> str:
        """The raw prompt for a completions endpoint (profiles with ``chat=False``).

        Raises:
            ValueError: For a chat profile, whose messages must go through the model's chat template.
        """
        if self.chat:
            raise ValueError(f"profile {self.name!r} is a chat profile; send its messages through the chat template")
        return self.build(problem_text)[-1]["content"]

    def with_template(self, *, system: str | None = None, user: str | None = None) -> PromptProfile:
        """A copy that sends the given text verbatim — e.g. a checkpoint's exact training prompt.

        The layout (roles, chat or raw) stays the profile's; for a two-request profile only the first request
        changes.

        Args:
            system: Replaces the system message (chat profiles only).
            user: Replaces the user message (the whole prompt for a raw profile); must contain ``{question}`` or
                ``{Question}``, replaced by the problem text (stripped, for raw profiles, as ORLM's script does).

        Raises:
            ValueError: For a template without a placeholder, or a system message for a raw profile.
        """
        if user is not None and "{question}" not in user and "{Question}" not in user:
            raise ValueError("a user template needs a {question} or {Question} placeholder for the problem text")
        if system is not None and not self.chat:
            raise ValueError(f"profile {self.name!r} sends a raw prompt; it has no system message")
        base = self.build
        chat = self.chat

        def build(problem_text: str) -> Messages:
            messages = [dict(m) for m in base(problem_text)]
            if system is not None:
                messages = [m for m in messages if m["role"] != "system"]
                messages.insert(0, {"role": "system", "content": system})
            if user is not None:
                question = problem_text if chat else problem_text.strip()
                content = user.replace("{question}", question).replace("{Question}", question)
                messages[-1] = {"role": "user", "content": content if chat else content.strip()}
            return messages

        return replace(self, build=build)


# SIRL (ANCHORS.md §1.2): a system message describing a three-part reply — <think> analysis, <model> with Sets,
# Parameters, Decision Variables (typed), Objective, Constraints, <python> gurobipy code — in Markdown, and a short
# user message: one instruction line, the question, one line asking for step-by-step reasoning.
_SIRL_SYSTEM = """\
You are an assistant skilled in mathematical optimization modelling and in the Gurobi solver. Given an \
operations-research question, you analyse it, write out a complete mathematical model, and give gurobipy code \
that solves it.

Organize the reply in Markdown as three parts, in this order, each wrapped in its tags:
1. <think> Reason about the decision variables, the objective and the constraints. </think>
2. <model> The full model, stating its Sets, Parameters, Decision Variables (with their types), Objective Function \
and Constraints. </model>
3. <python> gurobipy code implementing the model. </python>"""


def _sirl(problem_text: str) -> Messages:
    user = f"Solve this optimization modelling problem:\n{problem_text}\nReason through it step by step."
    return [{"role": "system", "content": _SIRL_SYSTEM}, {"role": "user", "content": user}]


# ORLM (ANCHORS.md §2.1; eval/generate.py): a raw prompt with no chat template — one instruction sentence, a blank
# line, "# Question:" and the stripped question, a blank line, "# Response:" — the whole prompt stripped. The
# checkpoint then writes "## Mathematical Model:" ... "## Python Code Solution Using `coptpy`:" and the code.
def _orlm(problem_text: str) -> Messages:
    prompt = (
        "Here is an operations research problem. Write a mathematical model of it and Python code using `coptpy` "
        f"that solves the model.\n\n# Question:\n{problem_text.strip()}\n\n# Response:"
    )
    return [{"role": "user", "content": prompt.strip()}]


# LLMOPT (ANCHORS.md §4.1; prompts/generate_prompt.py): single user messages trained as separate instructions.
# Question -> five elements: the question in a plain ``` block and the five-element template (## Sets: /
# ## Parameters: / ## Variables: / ## Objective: / ## Constraints:) to fill in inside a plain ``` block.
# Question + five elements -> code: both in plain ``` blocks, asking for Pyomo code starting with
# `from pyomo.environ import *`, written as a class with a main function, in a ```python block.
_FIVE_TEMPLATE = "\n\n".join(
    f"## {name}:\n[fill in]" for name in ("Sets", "Parameters", "Variables", "Objective", "Constraints")
)


def _llmopt_formulation(problem_text: str) -> Messages:
    fence = fence_for(problem_text)
    prompt = (
        "Every optimization problem can be stated as: minimize $f(x)$ over $x \\in \\mathcal{X}$ subject to "
        "$g(x) \\le b$. The statement has five elements: Sets (the index sets of the vectors and matrices), "
        "Parameters (the given values), Variables (what $x$ stands for), Objective (the function $f$) and "
        "Constraints ($g(x) \\le b$ and the domain $\\mathcal{X}$).\n"
        "Write the five-element model of the optimization problem below.\n"
        f"The problem:\n{fence}\n{problem_text}\n{fence}\n"
        f"Use LaTeX, and fill in this template inside a plain ``` block:\n\n```\n{_FIVE_TEMPLATE}\n```\n"
    )
    return [{"role": "user", "content": prompt}]


def _llmopt_program(problem_text: str, formulation: str) -> Messages:
    fence = fence_for(problem_text + formulation)
    prompt = (
        "Write Pyomo code for the optimization problem below, following its five-element model.\n"
        f"The problem:\n{fence}\n{problem_text}\n{fence}\n"
        f"Its five-element model:\n{fence}\n{formulation.strip()}\n{fence}\n"
        "Begin the code with `from pyomo.environ import *` (other imports are allowed), organize it as a class "
        "with a main function, and print the optimal solution and the objective value without the solver log. "
        "Put the code in this block:\n\n```python\n[your code]\n```\n"
    )
    return [{"role": "user", "content": prompt}]


PROFILES: dict[str, PromptProfile] = {
    "sirl": PromptProfile(
        name="sirl",
        dialect="gurobipy",
        build=_sirl,
        response_format=ResponseFormat.SIRL,
        decoding={"temperature": 0.5, "top_p": 0.9, "repetition_penalty": 1.02, "max_tokens": 8192, "stop": ["</s>"]},
        source="ANCHORS.md §1.2-1.3 (Cardinal-Operations/SIRL rule_prompt_utils.py)",
    ),
    "orlm": PromptProfile(
        name="orlm",
        dialect="coptpy",
        build=_orlm,
        response_format=ResponseFormat.ORLM,
        chat=False,
        decoding={"temperature": 0.0, "top_p": 1.0, "stop": ["</s>"]},
        source="ANCHORS.md §2.1, §2.3 (Cardinal-Operations/ORLM eval/generate.py)",
    ),
    "llmopt": PromptProfile(
        name="llmopt",
        dialect="pyomo",
        build=_llmopt_formulation,
        response_format=ResponseFormat.LLMOPT,
        build_program=_llmopt_program,
        decoding={"max_tokens": 8192},
        source="ANCHORS.md §4.1 (LLMOPT prompts/generate_prompt.py, Q2F then QF2C)",
    ),
}
"""Prompt profiles of the published checkpoints, by name."""


def load_profile(name: str, template: str | Path | None = None) -> PromptProfile:
    """A profile by name, optionally with the exact prompt text read from a file.

    Args:
        name: A key of :data:`PROFILES`.
        template: A ``.json`` file with ``"system"`` and/or ``"user"`` strings, or a text file holding the user
            template (with ``{question}``/``{Question}``) — or, for a chat profile, the system message when it has
            no placeholder. See :meth:`PromptProfile.with_template`.

    Raises:
        ValueError: Unknown profile name or an unusable template.
        OSError: The template file cannot be read.
    """
    try:
        profile = PROFILES[name.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown prompt profile {name!r}; choose one of: {', '.join(PROFILES)}") from None
    if template is None:
        return profile
    path = Path(template)
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        if not isinstance(data, dict) or not ({"system", "user"} & data.keys()):
            raise ValueError(f"{path}: expected a JSON object with a 'system' and/or 'user' string")
        system, user = data.get("system"), data.get("user")
        if not all(v is None or isinstance(v, str) for v in (system, user)):
            raise ValueError(f"{path}: 'system' and 'user' must be strings")
        return profile.with_template(system=system, user=user)
    if "{question}" in text or "{Question}" in text:
        return profile.with_template(user=text)
    return profile.with_template(system=text)
