"""The solve capture: every dialect's solve calls, as the sandbox worker records them.

``install_all`` patches the solver libraries for the whole process, so each batch of model programs runs in a fresh
Python subprocess: it installs the capture with a recorder that keeps the records in a list, runs each program of
the batch in turn, and writes the records of each program (and what the program itself observed, through its
``OUT`` dict) to a JSON file. One subprocess per dialect keeps the suite well under a minute.

Instances are re-read here, in the test process (where nothing is patched), with HiGHS: the exported optimum must
be the reported one.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import highspy
import pytest

from solvers.types import SolveResult, from_dict

REPO = Path(__file__).resolve().parents[2]

RUNNER = r"""
import json, sys
from solvers.capture.recorder import Recorder
from solvers.capture import install_all, INSTALL_ERRORS

spec = json.load(open(sys.argv[1]))
lines = []
recorder = Recorder(lines.append, spec["workdir"])
installed = install_all(recorder)
results = {}
for name, source in spec["scenarios"].items():
    start = len(lines)
    env = {"__name__": "__main__", "OUT": {}, "RECORDER": recorder}
    error = None
    try:
        exec(compile(source, name, "exec"), env)
    except BaseException as exc:
        error = f"{type(exc).__name__}: {exc}"
    records = [json.loads(line) for line in lines[start:]]
    results[name] = {"records": records, "out": env["OUT"], "error": error}
with open(spec["output"], "w") as handle:
    json.dump({"installed": installed, "install_errors": INSTALL_ERRORS, "results": results}, handle, default=str)
"""


def run_batch(tmp: Path, scenarios: dict[str, str]) -> dict[str, Any]:
    """Run ``scenarios`` (name -> program) in one fresh interpreter with the capture installed."""
    spec = {
        "workdir": str(tmp),
        "output": str(tmp / "out.json"),
        "scenarios": {name: textwrap.dedent(src) for name, src in scenarios.items()},
    }
    (tmp / "spec.json").write_text(json.dumps(spec))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(tmp / "spec.json")],
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    data: dict[str, Any] = json.loads((tmp / "out.json").read_text())
    return data


def only(batch: dict[str, Any], name: str) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any]]:
    """The single record of scenario ``name``: ``(result, instance_values, program's OUT)``; fails on 0 or 2+."""
    entry = batch["results"][name]
    records = entry["records"]
    assert len(records) == 1, (name, entry["error"], records)
    record = records[0]
    result = record["result"]
    from_dict(SolveResult, result)  # the record must fit the SolveResult contract exactly
    return result, record["instance_values"], entry["out"]


def close(a: float | None, b: float, rel: float = 1e-6) -> bool:
    return a is not None and math.isclose(a, b, rel_tol=rel, abs_tol=rel)


def reread(result: dict[str, Any]) -> tuple[str, float, list[str]]:
    """Re-solve an exported instance with HiGHS: ``(model status name, objective, column names)``."""
    path = result["instance_path"]
    assert path and os.path.isabs(path) and os.path.exists(path), result
    assert result["instance_format"] == "mps"
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    assert h.readModel(path) != highspy.HighsStatus.kError
    h.run()
    return h.getModelStatus().name, h.getInfo().objective_function_value, list(h.getLp().col_names_)


def check_instance(result: dict[str, Any], values: dict[str, Any] | None, objective: float) -> None:
    status, value, columns = reread(result)
    assert status == "kOptimal" and close(value, objective), (status, value, objective)
    assert values, "a solved linear model must come with instance values"
    assert set(values) <= set(columns), (values, columns)


def stats_of(result: dict[str, Any], *keys: str) -> tuple[Any, ...]:
    return tuple(result["stats"][k] for k in keys)


LP_11 = "max 3x + 2y s.t. x + y <= 4, x + 3y <= 6, x <= 3  ->  11 at (3, 1)"

# -- highspy ---------------------------------------------------------------------------------------------------

HIGHSPY = {
    "lp": """
        import highspy
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        x = h.addVariable(lb=0, name="x")
        y = h.addVariable(lb=0, name="y")
        h.addConstr(x + y <= 4)
        h.addConstr(x + 3 * y <= 6)
        h.addConstr(x <= 3)
        OUT["status"] = str(h.maximize(3 * x + 2 * y))
        OUT["objective"] = h.getInfo().objective_function_value
        OUT["model_status"] = h.getModelStatus().name
    """,
    "milp": """
        import highspy, numpy as np
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = 2, 4
        lp.col_cost_ = np.array([5.0, 4.0])
        lp.col_lower_ = np.array([0.0, 0.0])
        lp.col_upper_ = np.array([inf, inf])
        lp.row_lower_ = np.array([-inf] * 4)
        lp.row_upper_ = np.array([24.0, 6.0, 1.0, 2.0])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.array([0, 3, 7])
        lp.a_matrix_.index_ = np.array([0, 1, 2, 0, 1, 2, 3])
        lp.a_matrix_.value_ = np.array([6.0, 1.0, -1.0, 4.0, 2.0, 1.0, 1.0])
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.integrality_ = [highspy.HighsVarType.kInteger] * 2
        h.passModel(lp)
        OUT["status"] = str(h.run())
        OUT["objective"] = h.getInfo().objective_function_value
    """,
    "infeasible": """
        import highspy
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        x = h.addVariable(lb=0, name="x"); y = h.addVariable(lb=0, name="y")
        h.addConstr(x + y <= 2); h.addConstr(x + 2 * y >= 5)
        h.minimize(x + y)
    """,
    "unbounded": """
        import highspy
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        x = h.addVariable(lb=0, name="x"); y = h.addVariable(lb=0, name="y")
        h.addConstr(x - y <= 1)
        h.maximize(x + y)
    """,
    "capture_bug": """
        import highspy
        import solvers.capture.highspy as cap
        def broken(value):
            raise RuntimeError("boom")
        kept, cap.finite = cap.finite, broken
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        x = h.addVariable(lb=0, ub=3, name="x")
        OUT["status"] = str(h.maximize(2 * x))
        OUT["objective"] = h.getInfo().objective_function_value
        cap.finite = kept
    """,
    "no_export": """
        import highspy
        RECORDER.export_instances = False
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        x = h.addVariable(lb=0, ub=3, name="x")
        h.maximize(2 * x)
        RECORDER.export_instances = True
    """,
}


@pytest.fixture(scope="module")
def highspy_batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_batch(tmp_path_factory.mktemp("highspy"), HIGHSPY)


def test_all_libraries_are_captured(highspy_batch: dict[str, Any]) -> None:
    assert highspy_batch["installed"] == ["highspy", "pyomo", "cvxpy", "ortools", "pyscipopt"]
    assert highspy_batch["install_errors"] == {}


def test_highspy_lp(highspy_batch: dict[str, Any]) -> None:
    result, values, out = only(highspy_batch, "lp")
    assert out == {"status": "HighsStatus.kOk", "objective": 11.0, "model_status": "kOptimal"}
    assert result["termination"] == "optimal" and result["raw_status"] == "kOptimal"
    assert result["sense"] == "maximize" and result["dialect"] == "highspy" and result["solver"] == "highs"
    assert close(result["objective_value"], 11.0) and close(result["objective_bound"], 11.0)
    assert result["variable_values"] == {"x": 3.0, "y": 1.0}
    assert stats_of(result, "variables", "continuous", "constraints", "nonzeros", "objective") == (2, 2, 3, 5, "linear")
    assert result["wall_time_s"] is not None and result["wall_time_s"] >= 0
    check_instance(result, values, 11.0)
    assert values == {"x": 3.0, "y": 1.0}


def test_highspy_milp(highspy_batch: dict[str, Any]) -> None:
    result, values, out = only(highspy_batch, "milp")
    assert out == {"status": "HighsStatus.kOk", "objective": 20.0}
    assert result["termination"] == "optimal" and close(result["objective_value"], 20.0)
    assert result["variable_values"] == {"c0": 4.0, "c1": 0.0}  # an unnamed HighsLp: HiGHS's own column names
    assert stats_of(result, "variables", "integer", "binary", "constraints") == (2, 2, 0, 4)
    assert result["mip_gap"] == 0.0
    check_instance(result, values, 20.0)


def test_highspy_infeasible_and_unbounded(highspy_batch: dict[str, Any]) -> None:
    result, values, _ = only(highspy_batch, "infeasible")
    assert result["termination"] == "infeasible" and result["objective_value"] is None
    assert result["variable_values"] == {} and values is None
    assert reread(result)[0] == "kInfeasible"
    result, _, _ = only(highspy_batch, "unbounded")
    assert result["termination"] in ("unbounded", "infeasible_or_unbounded")
    assert result["variable_values"] == {}


def test_capture_bug_never_breaks_the_program(highspy_batch: dict[str, Any]) -> None:
    entry = highspy_batch["results"]["capture_bug"]
    assert entry["error"] is None
    assert entry["out"] == {"status": "HighsStatus.kOk", "objective": 6.0}
    result, _, _ = only(highspy_batch, "capture_bug")
    assert result["termination"] == "unknown"
    assert any(note.startswith("capture failed: RuntimeError: boom") for note in result["notes"])


def test_no_export_when_turned_off(highspy_batch: dict[str, Any]) -> None:
    result, values, _ = only(highspy_batch, "no_export")
    assert result["termination"] == "optimal"
    assert result["instance_path"] is None and values is None


# -- pyomo -----------------------------------------------------------------------------------------------------

PYOMO_LP = """
    import pyomo.environ as pyo
    m = pyo.ConcreteModel()
    m.x = pyo.Var(within=pyo.NonNegativeReals)
    m.y = pyo.Var(within=pyo.NonNegativeReals)
    m.c1 = pyo.Constraint(expr=m.x + m.y <= 4)
    m.c2 = pyo.Constraint(expr=m.x + 3 * m.y <= 6)
    m.c3 = pyo.Constraint(expr=m.x <= 3)
    m.obj = pyo.Objective(expr=3 * m.x + 2 * m.y, sense=pyo.maximize)
    opt = pyo.SolverFactory(SOLVER)
    results = opt.solve(m)
    OUT["termination"] = str(results.solver.termination_condition)
    OUT["optimal"] = pyo.check_optimal_termination(results)
    OUT["objective"] = pyo.value(m.obj)
    OUT["x"] = m.x.value
    OUT["available"] = bool(opt.available())
"""

PYOMO_INFEASIBLE = """
    import pyomo.environ as pyo
    m = pyo.ConcreteModel()
    m.x = pyo.Var(within=pyo.NonNegativeReals)
    m.y = pyo.Var(within=pyo.NonNegativeReals)
    m.oven = pyo.Constraint(expr=m.x + m.y <= 2)
    m.owed = pyo.Constraint(expr=m.x + 2 * m.y >= 5)
    m.obj = pyo.Objective(expr=m.x + m.y)
    try:
        results = pyo.SolverFactory(SOLVER).solve(m)
        OUT["termination"] = str(results.solver.termination_condition)
    except Exception as exc:
        OUT["raised"] = type(exc).__name__
"""

PYOMO_NLP = """
    import pyomo.environ as pyo
    m = pyo.ConcreteModel()
    m.x = pyo.Var(initialize=0.0)
    m.y = pyo.Var(initialize=0.0)
    m.c = pyo.Constraint(expr=m.x + m.y <= 2)
    m.obj = pyo.Objective(expr=(m.x - 2) ** 2 + (m.y - 1) ** 2)
    results = pyo.SolverFactory(SOLVER).solve(m)
    OUT["termination"] = str(results.solver.termination_condition)
    OUT["objective"] = pyo.value(m.obj)
    OUT["xy"] = [m.x.value, m.y.value]
"""


def _with_solver(source: str, solver: str) -> str:
    return textwrap.dedent(source).replace("SOLVER", repr(solver))


PYOMO = {
    "lp_highs": _with_solver(PYOMO_LP, "highs"),
    "lp_gurobi": _with_solver(PYOMO_LP, "gurobi"),
    "lp_cbc": _with_solver(PYOMO_LP, "cbc"),
    "lp_glpk": _with_solver(PYOMO_LP, "glpk"),
    "infeasible_highs": _with_solver(PYOMO_INFEASIBLE, "highs"),
    "infeasible_gurobi": _with_solver(PYOMO_INFEASIBLE, "gurobi"),
    "nlp_ipopt": _with_solver(PYOMO_NLP, "ipopt"),
    "milp_appsi": """
        import pyomo.environ as pyo
        m = pyo.ConcreteModel()
        m.P = pyo.Set(initialize=["paint a", "paint b"])
        m.make = pyo.Var(m.P, within=pyo.NonNegativeIntegers)
        m.use = pyo.Var(m.P, within=pyo.Binary)
        m.cap = pyo.Constraint(expr=6 * m.make["paint a"] + 4 * m.make["paint b"] <= 24)
        m.mix = pyo.Constraint(expr=m.make["paint a"] + 2 * m.make["paint b"] <= 6)
        m.dem = pyo.Constraint(expr=m.make["paint b"] - m.make["paint a"] <= 1)
        m.lim = pyo.Constraint(expr=m.make["paint b"] <= 2)
        m.link = pyo.Constraint(m.P, rule=lambda m, p: m.make[p] <= 10 * m.use[p])
        profit = 5 * m.make["paint a"] + 4 * m.make["paint b"] - 0.5 * m.use["paint b"]
        m.obj = pyo.Objective(expr=profit, sense=pyo.maximize)
        results = pyo.SolverFactory("appsi_highs").solve(m)
        OUT["objective"] = pyo.value(m.obj)
        OUT["termination"] = str(results.solver.termination_condition)
    """,
    "unbounded_gurobi": """
        import pyomo.environ as pyo
        m = pyo.ConcreteModel()
        m.x = pyo.Var(within=pyo.NonNegativeReals)
        m.y = pyo.Var(within=pyo.NonNegativeReals)
        m.c = pyo.Constraint(expr=m.x - m.y <= 1)
        m.obj = pyo.Objective(expr=m.x + m.y, sense=pyo.maximize)
        results = pyo.SolverFactory("gurobi").solve(m)
        OUT["termination"] = str(results.solver.termination_condition)
    """,
    "miqp_gurobi_persistent": """
        import pyomo.environ as pyo
        m = pyo.ConcreteModel()
        m.x = pyo.Var(within=pyo.Integers, bounds=(0, 5))
        m.y = pyo.Var(bounds=(0, 5))
        m.c = pyo.Constraint(expr=m.x + m.y <= 3.5)
        m.obj = pyo.Objective(expr=(m.x - 2.6) ** 2 + m.y)
        opt = pyo.SolverFactory("gurobi_persistent")
        opt.set_instance(m)
        opt.set_gurobi_param("TimeLimit", 60)
        results = opt.solve()
        OUT["termination"] = str(results.solver.termination_condition)
        OUT["objective"] = pyo.value(m.obj)
    """,
    "sos_gurobi": """
        import pyomo.environ as pyo
        m = pyo.ConcreteModel()
        m.x = pyo.Var([1, 2, 3], bounds=(0, 1))
        m.one = pyo.SOSConstraint(var=m.x, sos=1)
        m.obj = pyo.Objective(expr=m.x[1] + 2 * m.x[2] + 3 * m.x[3], sense=pyo.maximize)
        results = pyo.SolverFactory("gurobi").solve(m)
        OUT["objective"] = pyo.value(m.obj)
    """,
    "load_solutions_false": """
        import pyomo.environ as pyo
        m = pyo.ConcreteModel()
        m.x = pyo.Var(bounds=(0, 3))
        m.obj = pyo.Objective(expr=2 * m.x, sense=pyo.maximize)
        results = pyo.SolverFactory("cplex").solve(m, load_solutions=False)
        OUT["before"] = m.x.value
        m.solutions.load_from(results)
        OUT["after"] = m.x.value
    """,
}


@pytest.fixture(scope="module")
def pyomo_batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_batch(tmp_path_factory.mktemp("pyomo"), PYOMO)


def test_pyomo_lp_highs(pyomo_batch: dict[str, Any]) -> None:
    result, values, out = only(pyomo_batch, "lp_highs")
    assert out["termination"] == "optimal" and out["optimal"] and close(out["objective"], 11.0)
    assert result["termination"] == "optimal" and result["solver"] == "highs" and result["requested_solver"] == ""
    assert result["dialect"] == "pyomo" and result["sense"] == "maximize"
    assert close(result["objective_value"], 11.0)
    assert result["variable_values"] == pytest.approx({"x": 3.0, "y": 1.0})
    assert stats_of(result, "variables", "continuous", "constraints", "linear_constraints", "nonzeros") == (
        2,
        2,
        3,
        3,
        5,
    )
    check_instance(result, values, 11.0)


def test_pyomo_gurobi_runs_highs_and_keeps_the_legacy_api(pyomo_batch: dict[str, Any]) -> None:
    result, values, out = only(pyomo_batch, "lp_gurobi")
    assert out == {"termination": "optimal", "optimal": True, "objective": 11.0, "x": 3.0, "available": True}
    assert result["solver"] == "highs" and result["requested_solver"] == "gurobi"
    assert any(note.startswith("requested gurobi; ran highs (open-source substitute") for note in result["notes"])
    assert close(result["objective_value"], 11.0)
    check_instance(result, values, 11.0)


@pytest.mark.parametrize(("solver", "binary"), [("cbc", "cbc"), ("glpk", "glpsol")])
def test_pyomo_debian_binaries(pyomo_batch: dict[str, Any], solver: str, binary: str) -> None:
    result, values, out = only(pyomo_batch, f"lp_{solver}")
    assert out["termination"] == "optimal" and close(out["objective"], 11.0)
    if shutil.which(binary):
        assert result["solver"] == solver and result["requested_solver"] == ""
    else:
        assert result["solver"] == "highs" and result["requested_solver"] == solver
    assert result["termination"] == "optimal" and close(result["objective_value"], 11.0)
    check_instance(result, values, 11.0)


def test_pyomo_infeasible(pyomo_batch: dict[str, Any]) -> None:
    # HiGHS's own Pyomo interface raises when there is no solution to load; the record still says why.
    result, _, out = only(pyomo_batch, "infeasible_highs")
    assert out == {"raised": "NoFeasibleSolutionError"}
    assert result["termination"] == "infeasible"
    assert reread(result)[0] == "kInfeasible"
    # The Gurobi stand-in answers like gurobi_direct: a termination condition, no exception.
    result, _, out = only(pyomo_batch, "infeasible_gurobi")
    assert out == {"termination": "infeasible"}
    assert result["termination"] == "infeasible" and result["requested_solver"] == "gurobi"


def test_pyomo_unbounded(pyomo_batch: dict[str, Any]) -> None:
    result, _, out = only(pyomo_batch, "unbounded_gurobi")
    assert out["termination"] in ("unbounded", "infeasibleOrUnbounded")
    assert result["termination"] in ("unbounded", "infeasible_or_unbounded")
    assert result["variable_values"] == {}


def test_pyomo_ipopt_runs_ripopt(pyomo_batch: dict[str, Any]) -> None:
    result, values, out = only(pyomo_batch, "nlp_ipopt")
    assert out["termination"] == "optimal" and close(out["objective"], 0.5)
    assert out["xy"] == pytest.approx([1.5, 0.5], rel=1e-6)
    assert result["solver"] == "ripopt" and result["requested_solver"] == "ipopt"
    assert result["termination"] == "optimal" and close(result["objective_value"], 0.5)
    assert result["variable_values"] == pytest.approx({"x": 1.5, "y": 0.5}, rel=1e-6)
    assert result["stats"]["objective"] == "quadratic" and result["stats"]["linear_constraints"] == 1
    check_instance(result, values, 0.5)  # a quadratic objective with linear constraints is still exportable


def test_pyomo_nested_appsi_highs_gives_one_record(pyomo_batch: dict[str, Any]) -> None:
    result, values, out = only(pyomo_batch, "milp_appsi")  # appsi_highs runs highspy inside: still one record
    assert out["termination"] == "optimal" and close(out["objective"], 20.0)
    assert result["dialect"] == "pyomo" and result["solver"] == "highs"
    assert close(result["objective_value"], 20.0)
    assert result["variable_values"]["make[paint a]"] == 4.0
    assert set(result["variable_values"]) == {"make[paint a]", "make[paint b]", "use[paint a]", "use[paint b]"}
    assert stats_of(result, "variables", "integer", "binary", "constraints", "nonzeros") == (4, 2, 2, 6, 11)
    assert result["mip_gap"] == 0.0
    check_instance(result, values, 20.0)


def test_pyomo_miqp_goes_to_scip_through_the_persistent_api(pyomo_batch: dict[str, Any]) -> None:
    result, _, out = only(pyomo_batch, "miqp_gurobi_persistent")
    assert out["termination"] == "optimal" and close(out["objective"], 0.16, rel=1e-5)
    assert result["solver"] == "scip" and result["requested_solver"] == "gurobi_persistent"
    assert result["stats"]["objective"] == "quadratic" and result["stats"]["integer"] == 1


def test_pyomo_sos_is_never_exported_as_rows(pyomo_batch: dict[str, Any]) -> None:
    result, values, out = only(pyomo_batch, "sos_gurobi")
    assert close(out["objective"], 3.0) and close(result["objective_value"], 3.0)
    assert result["solver"] == "scip" and result["stats"]["nonlinear_constraints"] == 1
    assert result["instance_path"] is None and values is None


def test_pyomo_load_solutions_false(pyomo_batch: dict[str, Any]) -> None:
    result, values, out = only(pyomo_batch, "load_solutions_false")
    assert out == {"before": None, "after": 3.0}
    assert result["variable_values"] == {"x": 3.0} and close(result["objective_value"], 6.0)
    assert values == {"x": 3.0}  # taken from the results object, since the model holds no values yet


# -- cvxpy -----------------------------------------------------------------------------------------------------

CVXPY_LP = """
    import cvxpy as cp
    x = cp.Variable(2, nonneg=True, name="x")
    prob = cp.Problem(cp.Maximize(3 * x[0] + 2 * x[1]), [x[0] + x[1] <= 4, x[0] + 3 * x[1] <= 6, x[0] <= 3])
    OUT["value"] = prob.solve(**KWARGS)
    OUT["status"] = prob.status
    OUT["x"] = [float(v) for v in x.value]
"""

CVXPY_QP = """
    import cvxpy as cp
    x = cp.Variable(name="x")
    y = cp.Variable(name="y")
    prob = cp.Problem(cp.Minimize(cp.square(x - 2) + cp.square(y - 1)), [x + y <= 2])
    OUT["value"] = prob.solve(**KWARGS)
    OUT["solver"] = prob.solver_stats.solver_name
"""


def _with_kwargs(source: str, kwargs: str) -> str:
    return textwrap.dedent(source).replace("**KWARGS", kwargs)


CVXPY = {
    "lp": _with_kwargs(CVXPY_LP, ""),
    "lp_gurobi": _with_kwargs(CVXPY_LP, 'solver="GUROBI", TimeLimit=30, Threads=2'),
    "qp_default": _with_kwargs(CVXPY_QP, ""),
    "qp_osqp": _with_kwargs(CVXPY_QP, "solver=cp.OSQP, eps_abs=1e-3"),
    "milp": """
        import cvxpy as cp
        m = cp.Variable(2, integer=True, name="make")
        prob = cp.Problem(
            cp.Maximize(5 * m[0] + 4 * m[1]),
            [6 * m[0] + 4 * m[1] <= 24, m[0] + 2 * m[1] <= 6, m[1] - m[0] <= 1, m[1] <= 2, m >= 0],
        )
        OUT["value"] = prob.solve(solver=cp.OSQP)
        OUT["solver"] = prob.solver_stats.solver_name
    """,
    "infeasible": """
        import cvxpy as cp
        x = cp.Variable(nonneg=True, name="x"); y = cp.Variable(nonneg=True, name="y")
        prob = cp.Problem(cp.Minimize(x + y), [x + y <= 2, x + 2 * y >= 5])
        OUT["value"] = prob.solve()
        OUT["status"] = prob.status
    """,
    "unbounded": """
        import cvxpy as cp
        x = cp.Variable(nonneg=True, name="x"); y = cp.Variable(nonneg=True, name="y")
        prob = cp.Problem(cp.Maximize(x + y), [x - y <= 1])
        OUT["value"] = prob.solve(cp.HIGHS)
        OUT["status"] = prob.status
    """,
    "matrix_abs": """
        import cvxpy as cp
        X = cp.Variable((2, 2), name="X")
        prob = cp.Problem(cp.Minimize(cp.sum(cp.abs(X - 1)) + 0.5 * cp.sum(X)), [X >= 0, X[0, 1] >= 2])
        OUT["value"] = prob.solve(solver=cp.HIGHS)
    """,
    "forged_accessors": """
        import cvxpy as cp
        cp.Problem.value = property(lambda self: 42.0)
        cp.Problem.status = property(lambda self: "optimal")
        x = cp.Variable(name="x")
        prob = cp.Problem(cp.Maximize(2 * x), [x <= 3, x >= 5])
        OUT["value"] = prob.solve()
    """,
}


@pytest.fixture(scope="module")
def cvxpy_batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_batch(tmp_path_factory.mktemp("cvxpy"), CVXPY)


def test_cvxpy_lp(cvxpy_batch: dict[str, Any]) -> None:
    result, values, out = only(cvxpy_batch, "lp")
    assert out["status"] == "optimal" and close(out["value"], 11.0)
    assert result["termination"] == "optimal" and result["dialect"] == "cvxpy" and result["sense"] == "maximize"
    assert result["solver"] == "clarabel" and result["requested_solver"] == ""
    assert close(result["objective_value"], 11.0)
    assert result["variable_values"] == pytest.approx({"x[0]": 3.0, "x[1]": 1.0}, rel=1e-6)
    assert stats_of(result, "variables", "constraints", "linear_constraints", "nonzeros") == (2, 3, 3, 5)
    check_instance(result, values, 11.0)
    assert set(values or {}) == {"x[0]", "x[1]"}


def test_cvxpy_missing_solver_runs_highs(cvxpy_batch: dict[str, Any]) -> None:
    result, _, out = only(cvxpy_batch, "lp_gurobi")
    assert out["status"] == "optimal" and out["value"] == 11.0  # HiGHS's vertex, exactly
    assert result["solver"] == "highs" and result["requested_solver"] == "GUROBI"
    assert any("Threads" in note for note in result["notes"])


def test_cvxpy_never_runs_osqp(cvxpy_batch: dict[str, Any]) -> None:
    for name in ("qp_default", "qp_osqp"):
        result, values, out = only(cvxpy_batch, name)
        assert out["solver"] == "CLARABEL" and close(out["value"], 0.5)
        assert result["solver"] == "clarabel" and result["requested_solver"] == "OSQP"
        assert close(result["objective_value"], 0.5)
        assert result["variable_values"] == pytest.approx({"x": 1.5, "y": 0.5}, rel=1e-6)
        assert result["stats"]["objective"] == "quadratic"
        assert reread(result)[0] == "kOptimal" and close(reread(result)[1], 0.5)


def test_cvxpy_milp_asked_of_osqp_runs_highs(cvxpy_batch: dict[str, Any]) -> None:
    result, values, out = only(cvxpy_batch, "milp")
    assert out["solver"] == "HIGHS" and close(out["value"], 20.0)
    assert result["termination"] == "optimal" and result["requested_solver"] == "OSQP"
    assert result["variable_values"] == {"make[0]": 4.0, "make[1]": 0.0}
    assert stats_of(result, "variables", "integer", "continuous") == (2, 2, 0)
    assert result["objective_bound"] is not None and close(result["objective_bound"], 20.0)
    check_instance(result, values, 20.0)


def test_cvxpy_infeasible_and_unbounded(cvxpy_batch: dict[str, Any]) -> None:
    result, _, out = only(cvxpy_batch, "infeasible")
    assert out["status"] == "infeasible" and result["termination"] == "infeasible"
    assert result["objective_value"] is None and result["variable_values"] == {}
    result, _, out = only(cvxpy_batch, "unbounded")
    assert out["status"] == "unbounded" and result["termination"] == "unbounded"


def test_cvxpy_matrix_names_and_reformulated_atoms(cvxpy_batch: dict[str, Any]) -> None:
    result, values, out = only(cvxpy_batch, "matrix_abs")
    assert close(out["value"], 3.5)
    expected = {"X[0,0]": 1.0, "X[1,0]": 1.0, "X[0,1]": 2.0, "X[1,1]": 1.0}  # column-major, like CVXPY
    assert result["variable_values"] == pytest.approx(expected)
    status, objective, columns = reread(result)  # |X - 1| becomes auxiliary columns; the optimum is the same
    assert status == "kOptimal" and close(objective, 3.5)
    assert set(values or {}) == {"X[0,0]", "X[1,0]", "X[0,1]", "X[1,1]"} and len(columns) > 4


def test_cvxpy_patched_accessors_do_not_change_the_record(cvxpy_batch: dict[str, Any]) -> None:
    result, _, out = only(cvxpy_batch, "forged_accessors")
    assert out == {"value": 42.0}
    assert result["termination"] == "infeasible" and result["objective_value"] is None


# -- ortools ---------------------------------------------------------------------------------------------------

PYWRAPLP_LP = """
    from ortools.linear_solver import pywraplp
    solver = pywraplp.Solver.CreateSolver(BACKEND)
    x = solver.NumVar(0, solver.infinity(), "x")
    y = solver.NumVar(0, solver.infinity(), "y")
    solver.Add(x + y <= 4)
    solver.Add(x + 3 * y <= 6)
    solver.Add(x <= 3)
    solver.Maximize(3 * x + 2 * y)
    OUT["status"] = solver.Solve()
    OUT["objective"] = solver.Objective().Value()
"""

ORTOOLS = {
    "cpsat": """
        from ortools.sat.python import cp_model
        model = cp_model.CpModel()
        x = model.new_int_var(0, 10, "x")
        y = model.new_int_var(0, 10, "y")
        model.add(6 * x + 4 * y <= 24)
        model.add(x + 2 * y <= 6)
        model.add(y - x <= 1)
        model.add(y <= 2)
        model.maximize(5 * x + 4 * y)
        solver = cp_model.CpSolver()
        status = solver.solve(model)
        OUT["status"] = solver.status_name(status)
        OUT["objective"] = solver.objective_value
    """,
    "cpsat_infeasible": """
        from ortools.sat.python import cp_model
        model = cp_model.CpModel()
        x = model.new_int_var(0, 10, "x")
        model.add(x >= 11)
        OUT["status"] = cp_model.CpSolver().Solve(model).name
    """,
    "cpsat_nonlinear": """
        from ortools.sat.python import cp_model
        model = cp_model.CpModel()
        a = model.new_int_var(0, 5, "a")
        sq = model.new_int_var(0, 25, "sq")
        model.add_multiplication_equality(sq, [a, a])
        model.add_all_different([a, sq])
        model.maximize(sq - a)
        cp_model.CpSolver().solve(model)
    """,
    "glop_lp": textwrap.dedent(PYWRAPLP_LP).replace("BACKEND", '"GLOP"'),
    "gurobi_lp": textwrap.dedent(PYWRAPLP_LP).replace("BACKEND", '"GUROBI"'),
    "glop_milp": """
        from ortools.linear_solver import pywraplp
        solver = pywraplp.Solver.CreateSolver("GLOP")
        x = solver.IntVar(0, solver.infinity(), "x")
        y = solver.IntVar(0, solver.infinity(), "y")
        solver.Add(6 * x + 4 * y <= 24)
        solver.Add(x + 2 * y <= 6)
        solver.Add(y - x <= 1)
        solver.Add(y <= 2)
        solver.Maximize(5 * x + 4 * y)
        OUT["status"] = solver.Solve()
        OUT["objective"] = solver.Objective().Value()
        OUT["xy"] = [x.solution_value(), y.solution_value()]
    """,
    "glop_unbounded": """
        from ortools.linear_solver import pywraplp
        solver = pywraplp.Solver.CreateSolver("GLOP")
        x = solver.NumVar(0, solver.infinity(), "x"); y = solver.NumVar(0, solver.infinity(), "y")
        solver.Add(x - y <= 1)
        solver.Maximize(x + y)
        OUT["status"] = solver.Solve()
    """,
    "clp_unbounded": """
        from ortools.linear_solver import pywraplp
        solver = pywraplp.Solver.CreateSolver("CLP")
        x = solver.NumVar(0, solver.infinity(), "x"); y = solver.NumVar(0, solver.infinity(), "y")
        solver.Add(x - y <= 1)
        solver.Maximize(x + y)
        OUT["status"] = solver.Solve()
    """,
    "mathopt_milp": """
        from ortools.math_opt.python import mathopt
        model = mathopt.Model(name="paint")
        x = model.add_integer_variable(lb=0, name="x")
        y = model.add_integer_variable(lb=0, name="y")
        model.add_linear_constraint(6 * x + 4 * y <= 24)
        model.add_linear_constraint(x + 2 * y <= 6)
        model.add_linear_constraint(y - x <= 1)
        model.add_linear_constraint(y <= 2)
        model.maximize(5 * x + 4 * y)
        result = mathopt.solve(model, mathopt.SolverType.HIGHS)
        OUT["reason"] = result.termination.reason.name
        OUT["objective"] = result.objective_value()
    """,
    "mathopt_gurobi_unbounded": """
        from ortools.math_opt.python import mathopt
        model = mathopt.Model()
        x = model.add_variable(lb=0, name="x"); y = model.add_variable(lb=0, name="y")
        model.add_linear_constraint(x - y <= 1)
        model.maximize(x + y)
        result = mathopt.solve(model, mathopt.SolverType.GUROBI)
        OUT["reason"] = result.termination.reason.name
    """,
}


@pytest.fixture(scope="module")
def ortools_batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_batch(tmp_path_factory.mktemp("ortools"), ORTOOLS)


def test_cpsat(ortools_batch: dict[str, Any]) -> None:
    result, values, out = only(ortools_batch, "cpsat")
    assert out == {"status": "OPTIMAL", "objective": 20.0}
    assert result["termination"] == "optimal" and result["solver"] == "cp-sat" and result["dialect"] == "ortools"
    assert result["variable_values"] == {"x": 4.0, "y": 0.0} and result["objective_value"] == 20.0
    assert stats_of(result, "variables", "integer", "constraints", "linear_constraints", "nonzeros") == (
        2,
        2,
        4,
        4,
        7,
    )
    check_instance(result, values, 20.0)


def test_cpsat_infeasible_and_nonlinear(ortools_batch: dict[str, Any]) -> None:
    result, _, out = only(ortools_batch, "cpsat_infeasible")
    assert out == {"status": "INFEASIBLE"} and result["termination"] == "infeasible"
    assert result["sense"] == "feasibility"
    result, values, _ = only(ortools_batch, "cpsat_nonlinear")
    assert result["termination"] == "optimal" and result["objective_value"] == 20.0
    assert result["stats"]["logical_constraints"] == 2 and result["stats"]["nonlinear_constraints"] == 0
    assert result["instance_path"] is None and values is None


def test_pywraplp_lp(ortools_batch: dict[str, Any]) -> None:
    result, values, out = only(ortools_batch, "glop_lp")
    assert out == {"status": 0, "objective": 11.0}
    assert result["termination"] == "optimal" and result["solver"] == "glop"
    assert result["variable_values"] == pytest.approx({"x": 3.0, "y": 1.0})
    assert stats_of(result, "variables", "constraints", "nonzeros") == (2, 3, 5)
    check_instance(result, values, 11.0)
    result, _, out = only(ortools_batch, "gurobi_lp")
    assert out == {"status": 0, "objective": 11.0}
    assert result["solver"] == "scip" and result["requested_solver"] == "GUROBI"


def test_pywraplp_glop_never_relaxes_a_mip(ortools_batch: dict[str, Any]) -> None:
    result, values, out = only(ortools_batch, "glop_milp")
    assert out == {"status": 0, "objective": 20.0, "xy": [4.0, 0.0]}  # GLOP alone says 21 at (3, 1.5)
    assert result["solver"] == "scip" and result["requested_solver"] == "glop"
    assert result["objective_value"] == 20.0 and result["variable_values"] == {"x": 4.0, "y": 0.0}
    check_instance(result, values, 20.0)


def test_pywraplp_unbounded(ortools_batch: dict[str, Any]) -> None:
    result, _, out = only(ortools_batch, "glop_unbounded")
    assert out == {"status": 2}  # GLOP says INFEASIBLE: the capture must not repeat that
    assert result["termination"] == "infeasible_or_unbounded" and result["raw_status"] == "INFEASIBLE"
    assert reread(result)[0] in ("kUnbounded", "kUnboundedOrInfeasible")
    result, _, out = only(ortools_batch, "clp_unbounded")
    assert out == {"status": 3} and result["termination"] == "unbounded" and result["solver"] == "clp"


def test_mathopt(ortools_batch: dict[str, Any]) -> None:
    result, values, out = only(ortools_batch, "mathopt_milp")
    assert out == {"reason": "OPTIMAL", "objective": 20.0}
    assert result["solver"] == "highs" and result["variable_values"] == {"x": 4.0, "y": 0.0}
    assert stats_of(result, "variables", "integer", "constraints", "nonzeros") == (2, 2, 4, 7)
    check_instance(result, values, 20.0)
    result, _, out = only(ortools_batch, "mathopt_gurobi_unbounded")
    assert out["reason"] in ("UNBOUNDED", "INFEASIBLE_OR_UNBOUNDED")
    assert result["termination"] in ("unbounded", "infeasible_or_unbounded")
    assert result["solver"] == "highs" and result["requested_solver"] == "GUROBI"


# -- pyscipopt -------------------------------------------------------------------------------------------------

PYSCIPOPT = {
    "lp": """
        from pyscipopt import Model
        m = Model("lp")
        m.hideOutput()
        x = m.addVar("x", lb=0); y = m.addVar("y", lb=0)
        m.addCons(x + y <= 4); m.addCons(x + 3 * y <= 6); m.addCons(x <= 3)
        m.setObjective(3 * x + 2 * y, "maximize")
        OUT["returned"] = m.optimize()
        OUT["status"] = m.getStatus()
        OUT["objective"] = m.getObjVal()
    """,
    "milp_odd_names": """
        import pyscipopt
        m = pyscipopt.Model()
        m.hideOutput()
        make = {p: m.addVar(f"make({p}, 1)", vtype="I", lb=0) for p in ("a", "b")}
        m.addCons(6 * make["a"] + 4 * make["b"] <= 24)
        m.addCons(make["a"] + 2 * make["b"] <= 6)
        m.addCons(make["b"] - make["a"] <= 1)
        m.addCons(make["b"] <= 2)
        m.setObjective(5 * make["a"] + 4 * make["b"], "maximize")
        m.optimize()
        OUT["objective"] = m.getObjVal()
        OUT["isinstance"] = isinstance(m, pyscipopt.scip.Model)
    """,
    "infeasible": """
        from pyscipopt import Model
        m = Model(); m.hideOutput()
        x = m.addVar("x", lb=0); y = m.addVar("y", lb=0)
        m.addCons(x + y <= 2); m.addCons(x + 2 * y >= 5)
        m.setObjective(x + y)
        m.optimize()
        OUT["status"] = m.getStatus()
    """,
    "unbounded": """
        from pyscipopt import Model
        m = Model(); m.hideOutput()
        x = m.addVar("x", lb=0); y = m.addVar("y", lb=0)
        m.addCons(x - y <= 1)
        m.setObjective(x + y, "maximize")
        m.optimize()
        OUT["status"] = m.getStatus()
    """,
    "minlp": """
        from pyscipopt import Model
        m = Model(); m.hideOutput()
        x = m.addVar("x", vtype="I", lb=0, ub=10); y = m.addVar("y", vtype="I", lb=0, ub=10)
        z = m.addVar("z", lb=0, ub=10)
        m.addCons(x * y >= 12); m.addCons(z >= x - y)
        m.setObjective(3 * x + 2 * y + z)
        m.optimize()
        OUT["objective"] = m.getObjVal()
    """,
    "forged_accessors": """
        import pyscipopt
        pyscipopt.Model.getObjVal = lambda self: 42.0
        pyscipopt.Model.getStatus = lambda self: "optimal"
        m = pyscipopt.Model(); m.hideOutput()
        x = m.addVar("x", ub=3)
        m.setObjective(2 * x, "maximize")
        m.optimize()
        OUT["objective"] = m.getObjVal()
    """,
}


@pytest.fixture(scope="module")
def pyscipopt_batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_batch(tmp_path_factory.mktemp("pyscipopt"), PYSCIPOPT)


def test_pyscipopt_lp(pyscipopt_batch: dict[str, Any]) -> None:
    result, values, out = only(pyscipopt_batch, "lp")
    assert out == {"returned": None, "status": "optimal", "objective": 11.0}
    assert result["termination"] == "optimal" and result["solver"] == "scip" and result["dialect"] == "pyscipopt"
    assert result["variable_values"] == {"x": 3.0, "y": 1.0} and result["objective_value"] == 11.0
    assert stats_of(result, "variables", "constraints", "linear_constraints", "nonzeros") == (2, 3, 3, 5)
    check_instance(result, values, 11.0)
    assert values == {"x": 3.0, "y": 1.0}  # SCIP's own writer: the file's names are the program's


def test_pyscipopt_milp_with_names_scip_cannot_write(pyscipopt_batch: dict[str, Any]) -> None:
    result, values, out = only(pyscipopt_batch, "milp_odd_names")
    assert out == {"objective": 20.0, "isinstance": True}
    assert result["variable_values"] == {"make(a, 1)": 4.0, "make(b, 1)": 0.0}
    assert stats_of(result, "variables", "integer", "constraints") == (2, 2, 4)
    check_instance(result, values, 20.0)
    assert values == {"make(a,_1)": 4.0, "make(b,_1)": 0.0}


def test_pyscipopt_infeasible_unbounded_nonlinear(pyscipopt_batch: dict[str, Any]) -> None:
    result, _, out = only(pyscipopt_batch, "infeasible")
    assert out == {"status": "infeasible"} and result["termination"] == "infeasible"
    result, _, out = only(pyscipopt_batch, "unbounded")
    assert result["termination"] in ("unbounded", "infeasible_or_unbounded")
    assert result["termination"].replace("infeasible_or_", "") == out["status"].replace("inforunbd", "unbounded")
    result, values, out = only(pyscipopt_batch, "minlp")
    assert close(out["objective"], 17.0) and close(result["objective_value"], 17.0)
    assert result["stats"]["quadratic_constraints"] == 1 and result["instance_path"] is None and values is None


def test_pyscipopt_patched_accessors_do_not_change_the_record(pyscipopt_batch: dict[str, Any]) -> None:
    result, _, out = only(pyscipopt_batch, "forged_accessors")
    assert out == {"objective": 42.0}
    assert result["objective_value"] == 6.0 and result["variable_values"] == {"x": 3.0}
