"""The compat fronts' API, feature by feature (no real package needed)."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import highspy
import pytest

import solvers.compat as compat
import solvers.compat.coptpy as cp
import solvers.compat.gurobipy as gp
from solvers.compat import backend
from solvers.compat.gurobipy import GRB


def quiet() -> Any:
    m = gp.Model("t")
    m.Params.OutputFlag = 0
    return m


def test_status_constants_have_the_real_values() -> None:
    assert (GRB.OPTIMAL, GRB.INFEASIBLE, GRB.INF_OR_UNBD, GRB.UNBOUNDED, GRB.TIME_LIMIT) == (2, 3, 4, 5, 9)
    assert GRB.Status.OPTIMAL == 2 and GRB.INTERRUPTED == 11 and GRB.SUBOPTIMAL == 13
    assert (cp.COPT.OPTIMAL, cp.COPT.INFEASIBLE, cp.COPT.UNBOUNDED, cp.COPT.INF_OR_UNB, cp.COPT.TIMEOUT) == (
        1, 2, 3, 4, 8,
    )  # fmt: skip
    assert GRB.INFINITY == 1e100 and cp.COPT.INFINITY == 1e30
    assert GRB.Attr.X == "X" and GRB.Param.TimeLimit == "TimeLimit" and cp.COPT.Info.Value == "Value"


def test_expressions() -> None:
    m = quiet()
    x, y = m.addVar(name="x"), m.addVar(name="y")
    e = 2 * x + 3 * y + 1
    assert isinstance(e, gp.LinExpr) and e.size() == 2 and e.getConstant() == 1 and e.constant == 1
    assert e.getVar(0) is x and e.getCoeff(1) == 3
    e2 = gp.LinExpr([1.0, 2.0], [x, y])
    e2.addTerms(1.0, x)
    e2.add(y, 2)
    e2 += 4
    assert e2.getCoeff(0) == 2 and e2.getCoeff(1) == 4 and e2.getConstant() == 4
    assert isinstance(x * y, gp.QuadExpr) and isinstance((x + y) ** 2, gp.QuadExpr)
    assert isinstance(sum([x, y, 3]), gp.LinExpr)
    q = (x - 1) * (y + 2)
    assert q.size == 1 and q.getConstant() == -2
    assert str(2 * x + y) == "2.0 x + y"
    c = 3 <= x + y
    assert isinstance(c, gp.TempConstr) and c.sense == ">"
    with pytest.raises(gp.GurobiError):
        bool(x == y)
    with pytest.raises(TypeError):
        _ = x < y  # noqa: B015 - strict comparisons are not constraints in either package
    import numpy as np

    assert isinstance(np.float64(2.0) * x, gp.LinExpr)
    assert isinstance(np.float64(2.0) <= x, gp.TempConstr)


def test_quicksum_and_builtin_sum_are_linear_and_do_not_alias() -> None:
    m = quiet()
    xs = m.addVars(3000)
    start = time.perf_counter()
    total = gp.quicksum(xs.values())
    also = sum(2 * v for v in xs.values())
    assert time.perf_counter() - start < 1.0
    assert total.size() == 3000 and also.size() == 3000
    a = xs[0] + xs[1] + xs[2] + xs[3] + xs[4] + xs[5] + xs[6] + xs[7] + xs[8]
    b = a + xs[9]  # ``a`` is named: it must not change
    assert a.size() == 9 and b.size() == 10


def test_tupledict_select_sum_prod_and_wildcards() -> None:
    m = quiet()
    x = m.addVars([1, 2], ["a", "b", "c"], name="x")
    assert isinstance(x, gp.tupledict) and len(x) == 6 and x[1, "a"].VarName == "x[1,a]"
    assert len(x.select(1, "*")) == 3 and len(x.select("*", "b")) == 2 and len(x.select()) == 6
    assert x.sum(2, "*").size() == 3
    assert x.prod({(1, "a"): 2.0, (2, "c"): 5.0}).getCoeff(1) == 5.0
    assert x.sum(1, ["a", "c"]).size() == 2
    tl = gp.tuplelist([(1, "a"), (1, "b"), (2, "a")])
    assert tl.select(1, "*") == [(1, "a"), (1, "b")] and tl.select("*", "a") == [(1, "a"), (2, "a")]
    keys, cost, cap = gp.multidict({"p": [3, 10], "q": [4, 20]})
    assert keys == ["p", "q"] and cost["q"] == 4 and cap["p"] == 10


def test_addvars_index_forms_and_names() -> None:
    m = quiet()
    assert list(m.addVars(2, 3).keys())[-1] == (1, 2)
    assert list(m.addVars([(0, 1), (2, 3)]).keys()) == [(0, 1), (2, 3)]
    v = m.addVars(range(2), ["u"], lb=[1, 2], ub={(0, "u"): 5, (1, "u"): 6}, vtype=GRB.INTEGER, name="v")
    assert v[1, "u"].LB == 2 and v[0, "u"].UB == 5 and v[0, "u"].VType == "I"
    free = m.addVar()
    assert free.VarName.startswith("C")
    c = cp.Envr().createModel("c")
    z = c.addVars(2, 2, nameprefix="z")
    assert z[1, 0].name == "z(1,0)" and c.addVars(["a"])["a"].name == "C(a)"
    with pytest.raises(TypeError):
        c.addVars(2, name="x")  # coptpy has no name= on addVars


def test_constraint_forms_and_attributes() -> None:
    m = quiet()
    x = m.addVars(2, name="x")
    c1 = m.addConstr(x[0] + x[1] <= 4, name="cap")
    cs = m.addConstrs((x[i] >= i for i in range(2)), name="low")
    c3 = m.addLConstr(x[0], GRB.GREATER_EQUAL, 0.5, "l")
    assert list(cs.keys()) == [0, 1] and cs[1].ConstrName == "low[1]"
    m.setObjective(x[0] + 2 * x[1], GRB.MAXIMIZE)
    m.optimize()
    assert m.Status == GRB.OPTIMAL and m.ObjVal == pytest.approx(7.5)
    assert m.getConstrByName("cap").sameAs(c1) and c1.Sense == "<" and c1.RHS == 4 and c3.Slack == pytest.approx(0.0)
    assert m.getAttr("X", x)[1] == pytest.approx(3.5) and m.getAttr(GRB.Attr.X, [x[0]]) == [pytest.approx(0.5)]
    assert m.getVarByName("x[1]") is x[1] and m.NumVars == 2 and m.NumConstrs == 4
    row = m.getRow(c1)
    assert row.size() == 2 and row.getValue() == pytest.approx(4.0)
    assert m.getObjective().getValue() == pytest.approx(7.5)
    m.remove(c1)
    m.optimize()
    assert m.Status == GRB.UNBOUNDED and m.NumConstrs == 3


def test_coptpy_forms() -> None:
    env = cp.Envr()
    m = env.createModel("c")
    m.setParam(cp.COPT.Param.Logging, 0)
    m.setParam(cp.COPT.Param.TimeLimit, 10)
    x = m.addVar(lb=0, ub=10, vtype=cp.COPT.INTEGER, name="x")
    y = m.addVar(name="y")
    m.addConstr(x + y, cp.COPT.LESS_EQUAL, 7.5, "cap")
    m.addConstr(x - y >= -1, "gap")
    m.setObjective(3 * x + 2 * y)
    m.setObjSense(cp.COPT.MAXIMIZE)
    m.solve()
    assert m.status == cp.COPT.OPTIMAL and m.objval == pytest.approx(22.0)
    assert x.x == pytest.approx(7.0) and x.getInfo("Value") == m.getInfo(cp.COPT.Info.Value, [x])[0]
    assert m.getConstrByName("cap").getName() == "cap" and m.getAttr("Status") == 1
    assert m.getParam("TimeLimit") == 10


def test_unavailable_attributes_raise_like_the_packages() -> None:
    m = quiet()
    x = m.addVar()
    with pytest.raises(gp.GurobiError, match="Unable to retrieve attribute 'X'") as info:
        _ = x.X
    assert info.value.errno == 10005 and isinstance(info.value, AttributeError) and not hasattr(x, "X")
    with pytest.raises(AttributeError):
        _ = m.ObjVal
    c = cp.Envr().createModel("c")
    v = c.addVar()
    with pytest.raises(cp.CoptError):
        _ = v.x


def test_unsupported_calls_name_the_call() -> None:
    m = quiet()
    with pytest.raises(gp.GurobiError, match=r"^unsupported: gurobipy.Model.addMVar"):
        m.addMVar((3,))
    with pytest.raises(gp.GurobiError, match=r"^unsupported: gurobipy.nlfunc"):
        _ = gp.nlfunc
    with pytest.raises(cp.CoptError, match=r"^unsupported: coptpy.Model.addPsdVars"):
        cp.Envr().createModel("c").addPsdVars(2)
    with pytest.raises(AttributeError, match=r"^unsupported: gurobipy.Var.Foo"):
        _ = m.addVar().Foo


def test_params_and_log(capsys: pytest.CaptureFixture[str]) -> None:
    m = gp.Model()
    m.setParam("TimeLimit", 5)
    m.Params.MIPGap = 0.01
    m.params.Threads = 1000
    assert m.Params.TimeLimit == 5 and m.Params.mipgap == 0.01
    x = m.addVar(ub=1)
    m.setObjective(x, GRB.MAXIMIZE)
    m.optimize()
    out = capsys.readouterr().out
    assert "Solved with HiGHS" in out and "Best objective" in out
    assert any("Threads=1000 capped" in n for n in m.outcome.notes)
    m.Params.OutputFlag = 0
    m.optimize()
    assert capsys.readouterr().out == ""


def test_time_limit_keeps_the_incumbent() -> None:
    m = quiet()
    m.Params.TimeLimit = 0.0
    x = m.addVars(30, vtype=GRB.BINARY)
    m.addConstr(gp.quicksum((i % 7 + 1) * x[i] for i in range(30)) <= 40)
    m.setObjective(gp.quicksum((i % 5 + 1) * x[i] for i in range(30)), GRB.MAXIMIZE)
    m.optimize()
    assert m.Status in (GRB.TIME_LIMIT, GRB.OPTIMAL)
    if m.Status == GRB.TIME_LIMIT and m.SolCount:
        assert m.ObjVal > 0


def test_iis() -> None:
    m = quiet()
    x = m.addVar(ub=3, name="x")
    y = m.addVar(name="y")
    a = m.addConstr(x >= 5, name="a")
    b = m.addConstr(y <= 10, name="b")
    m.optimize()
    assert m.Status == GRB.INFEASIBLE
    m.computeIIS()
    assert a.IISConstr == 1 and b.IISConstr == 0 and x.IISUB == 1


def test_write_lp_and_mps_round_trip_into_highs(tmp_path: Path) -> None:
    m = quiet()
    x = m.addVar(name="x", vtype=GRB.INTEGER, ub=3)
    y = m.addVar(name="y")
    m.addConstr(x + y <= 4.5)
    m.setObjective(2 * x + y, GRB.MAXIMIZE)
    for suffix in ("lp", "mps"):
        path = tmp_path / f"m.{suffix}"
        m.write(str(path))
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.readModel(str(path))
        h.run()
        assert h.getInfo().objective_function_value == pytest.approx(7.5)


def test_general_constraints_are_exact() -> None:
    from tests.solvers.compat.models import g_abs, g_abs_unbounded_var, g_and_or, g_indicator, g_max, g_min

    expected = {g_max: 0.0, g_min: 8 / 3, g_abs: 1.0, g_abs_unbounded_var: 3.0, g_and_or: 5.0, g_indicator: 110.0}
    for build, value in expected.items():
        m = build(gp)
        m.Params.OutputFlag = 0
        m.optimize()
        assert m.Status == GRB.OPTIMAL, build.__name__
        if build is not g_max:
            assert m.ObjVal == pytest.approx(value), build.__name__


def test_quadratic_routing() -> None:
    from tests.solvers.compat.models import g_miqp, g_nonconvex, g_qcp, g_qp

    solver = {}
    for build in (g_qp, g_miqp, g_nonconvex, g_qcp):
        m = build(gp)
        m.Params.OutputFlag = 0
        m.optimize()
        solver[build.__name__] = m.outcome.solver
    assert solver == {"g_qp": "highs", "g_miqp": "scip", "g_nonconvex": "scip", "g_qcp": "scip"}


def test_outcome_contract() -> None:
    from tests.solvers.compat.models import g_milp, g_qcp

    m = g_milp(gp)
    m.Params.OutputFlag = 0
    m.optimize()
    out = m.outcome
    assert out.termination == "optimal" and out.solver == "highs" and out.sense == "maximize"
    assert out.values == {"x": 4.0, "y": 0.0} and out.objective_value == 20.0 and out.mip_gap == 0.0
    assert out.stats["integer"] == 2 and out.stats["objective"] == "linear" and out.instance is not None
    assert out.instance_values == {"x": 4.0, "y": 0.0}
    q = g_qcp(gp)
    q.Params.OutputFlag = 0
    q.optimize()
    assert q.outcome.instance is None and q.outcome.stats["quadratic_constraints"] == 1


def test_build_speed_2000_by_2000() -> None:
    start = time.perf_counter()
    m = quiet()
    n = 2000
    x = m.addVars(n, ub=10, name="x")
    m.addConstrs((x[i] + x[(i + 1) % n] + x[(i + 7) % n] <= 12 for i in range(n)), name="c")
    m.setObjective(gp.quicksum((i % 13 + 1) * x[i] for i in range(n)), GRB.MAXIMIZE)
    assert time.perf_counter() - start < 1.0
    m.optimize()
    assert m.Status == GRB.OPTIMAL


def test_activate_routes_imports() -> None:
    import sys

    compat.activate()
    try:
        import gurobipy  # noqa: F401

        assert sys.modules["gurobipy"] is gp and sys.modules["coptpy"] is cp
    finally:
        compat.deactivate()
    assert sys.modules.get("gurobipy") is not gp


def test_add_range_adds_gurobis_range_variable() -> None:
    """Gurobi stores ``lo <= expr <= hi`` as ``expr + Rg<name> == hi``: the column is visible, the slack is 0.

    Held-out diet program: it printed ``getVars()`` (with ``Rgcalories = 400``) and each range's ``Slack`` (0 on
    Gurobi, the row's slack on the look-alike before the fix). Expected values are gurobipy 13's.
    """
    m = quiet()
    x = m.addVar(name="x", obj=-1)
    y = m.addVar(name="y")
    r = m.addRange(x + 2 * y + 3, 1, 7, "r")
    m.addRange(x - y, -5, 5)
    m.update()
    assert [(v.VarName, v.LB, v.UB) for v in m.getVars()][2:] == [("Rgr", 0.0, 6.0), ("RgR1", 0.0, 10.0)]
    assert m.NumVars == 4 and m.NumConstrs == 2
    assert [(c.ConstrName, c.Sense, c.RHS) for c in m.getConstrs()] == [("r", "=", 4.0), ("R1", "=", 5.0)]
    m.optimize()
    assert m.ObjVal == pytest.approx(-4.0)
    assert [v.X for v in m.getVars()] == pytest.approx([4.0, 0.0, 0.0, 1.0])
    assert [(c.Slack, c.Pi) for c in m.getConstrs()] == [(0.0, -1.0), (0.0, 0.0)]
    assert r.Slack == 0.0
    # One infinite side: a plain inequality, no column; equal sides: a column fixed at 0; the list form alike.
    lt = m.addRange(x, -GRB.INFINITY, 5, "lt")
    gt = m.addRange(x, 1, GRB.INFINITY, "gt")
    m.update()
    assert (lt.Sense, lt.RHS, gt.Sense, gt.RHS, m.NumVars) == ("<", 5.0, ">", 1.0, 4)
    m.addConstr(x == [1, 3], name="lst")
    m.update()
    assert m.getVars()[-1].VarName == "Rglst" and m.getVars()[-1].UB == 2.0
    m.remove(m.getConstrByName("lst"))
    m.update()
    assert m.getVars()[-1].VarName == "Rglst"  # Gurobi keeps the range variable


def test_coptpy_ranges_stay_ranged_rows() -> None:
    """COPT has no range variables: ``addBoundConstr`` keeps one ranged row and adds no column."""
    m = cp.Envr().createModel("r")
    m.setParam("Logging", 0)
    x = m.addVar(name="x")
    m.addBoundConstr(x, 1, 3, name="b")
    m.setObjective(x, cp.COPT.MAXIMIZE)
    m.solve()
    assert len(m.getVars()) == 1 and m.objval == pytest.approx(3.0)


def test_small_quadratic_rows_are_solved_to_relative_precision() -> None:
    """A risk row ``x'Sx <= 0.003`` must hold to a relative 1e-6, not SCIP's absolute 1e-6.

    sirl_gurobi_examples_or_test-0066: the look-alike returned 0.0803001 (the row violated by 1e-6, a third of a
    percent of its side); the true optimum is 0.08029703622 (Clarabel at 1e-12; Gurobi with BarQCPConvTol=1e-9 gives
    0.080297036085, with its default 1e-6 it stops at 0.0802967306, 4e-6 below).
    """
    assert backend.quadratic_row_scale({}, {(0, 0): 0.0081, (0, 1): 0.0024}, -math.inf, 0.003) == pytest.approx(
        1 / 0.0081
    )
    assert backend.quadratic_row_scale({0: 2.0}, {(0, 0): 1.0}, -math.inf, 4.0) == 1.0
    assert backend.quadratic_row_scale({}, {(0, 0): 1e-12}, -math.inf, 0.0) == pytest.approx(1e6)
    returns = {"S": 0.080, "W": 0.075, "B": 0.090, "G": 0.060}
    cov = {
        ("S", "S"): 0.0064, ("S", "W"): 0.0016, ("S", "B"): 0.0024, ("S", "G"): 0.0008,
        ("W", "W"): 0.0049, ("W", "B"): 0.0012, ("W", "G"): 0.0004,
        ("B", "B"): 0.0081, ("B", "G"): 0.0016, ("G", "G"): 0.0036,
    }  # fmt: skip
    m = quiet()
    x = m.addVars(returns, lb=0.0, ub=1.0, name="x")
    m.setObjective(x.prod(returns), GRB.MAXIMIZE)
    m.addConstr(x.sum() == 1)
    risk = gp.quicksum(x[i] * x[j] * cov.get((i, j), cov.get((j, i), 0.0)) for i in returns for j in returns)
    m.addConstr(risk <= 0.0030, "risk")
    m.optimize()
    assert m.Status == GRB.OPTIMAL
    assert m.ObjVal == pytest.approx(0.08029703622191144, rel=1e-7)
    assert risk.getValue() <= 0.0030 * (1 + 1e-6)


def test_coptpy_add_constr_refuses_a_quadratic_constraint_as_coptpy_does() -> None:
    model = cp.Envr().createModel("q")
    model.setParam("Logging", 0)
    x = model.addVar(ub=3, name="x")
    y = model.addVar(ub=3, name="y")
    with pytest.raises(TypeError, match="QConstrBuilder"):
        model.addConstr(x * y <= 2)
    with pytest.raises(TypeError, match="QConstrBuilder"):
        model.addConstr(x * x + y, cp.COPT.GREATER_EQUAL, 1)
    model.addQConstr(x * y <= 2, name="q")  # the coptpy way is accepted
    model.setObjective(x + y, cp.COPT.MAXIMIZE)
    model.solve()
    assert model.status == cp.COPT.OPTIMAL
    assert model.objval == pytest.approx(3 + 2 / 3, rel=1e-6)
