"""Small models written once against a module ``gp`` (gurobipy API) or ``cp`` (coptpy API).

The oracle tests run each builder twice: on the real package and on the compat front, and compare.
"""

from __future__ import annotations

from typing import Any


def g_lp(gp: Any) -> Any:
    m = gp.Model("lp")
    x = m.addVar(name="x")
    y = m.addVar(name="y")
    m.addConstr(6 * x + 4 * y <= 24)
    m.addConstr(x + 2 * y <= 6)
    m.addConstr(y - x <= 1)
    m.addConstr(y <= 2)
    m.setObjective(5 * x + 4 * y, gp.GRB.MAXIMIZE)
    return m


def g_milp(gp: Any) -> Any:
    m = g_lp(gp)
    m.update()  # gurobipy's lazy update: getVars() is empty before it
    for v in m.getVars():
        v.VType = gp.GRB.INTEGER
    return m


def g_infeasible(gp: Any) -> Any:
    m = gp.Model()
    x = m.addVar()
    y = m.addVar()
    m.addConstr(x + y <= 2)
    m.addConstr(x + 2 * y >= 5)
    m.setObjective(x + y)
    return m


def g_unbounded(gp: Any) -> Any:
    m = gp.Model()
    x = m.addVar()
    y = m.addVar()
    m.addConstr(x - y <= 1)
    m.setObjective(x + y, gp.GRB.MAXIMIZE)
    return m


def g_qp(gp: Any) -> Any:
    m = gp.Model()
    x = m.addVar(name="x")
    y = m.addVar(name="y")
    m.addConstr(x + y <= 3)
    m.setObjective(x * x + x * y + y * y - 6 * x - 4 * y)
    return m


def g_miqp(gp: Any) -> Any:
    m = gp.Model()
    x = m.addVar(vtype="I", ub=10, name="x")
    y = m.addVar(vtype="I", ub=10, name="y")
    m.addConstr(x + y >= 3.5)
    m.setObjective((x - 2.6) ** 2 + (y - 1.2) ** 2)
    return m


def g_nonconvex(gp: Any) -> Any:
    m = gp.Model()
    m.Params.NonConvex = 2
    x = m.addVar(vtype="I", ub=10, name="x")
    y = m.addVar(vtype="I", ub=10, name="y")
    z = m.addVar(ub=10, name="z")
    m.addConstr(x * y >= 12)
    m.addConstr(z >= x - y)
    m.setObjective(3 * x + 2 * y + z)
    return m


def g_qcp(gp: Any) -> Any:
    m = gp.Model()
    x = m.addVars(3, name="x")
    m.addQConstr(x[0] * x[0] + x[1] * x[1] + x[2] * x[2] <= 4)
    m.setObjective(x[0] + 2 * x[1] + 3 * x[2], gp.GRB.MAXIMIZE)
    return m


def g_transport(gp: Any) -> Any:
    supply = {"a": 30, "b": 25}
    demand = {1: 10, 2: 20, 3: 15}
    cost = {("a", 1): 2, ("a", 2): 4, ("a", 3): 5, ("b", 1): 3, ("b", 2): 1, ("b", 3): 7}
    m = gp.Model()
    x = m.addVars(supply, demand, name="ship")
    m.addConstrs((x.sum(s, "*") <= supply[s] for s in supply), name="supply")
    m.addConstrs((x.sum("*", d) >= demand[d] for d in demand), name="demand")
    m.setObjective(x.prod(cost), gp.GRB.MINIMIZE)
    return m


def g_max(gp: Any) -> Any:
    m = gp.Model()
    x = m.addVars(3, lb=[-2, 1, 0], ub=[4, 3, 2], name="x")
    y = m.addVar(lb=-10, ub=10, name="y")
    m.addGenConstrMax(y, [x[0], x[1], x[2]], constant=1.5)
    m.addConstr(x[0] + x[1] + x[2] >= 5)
    m.setObjective(y)
    return m


def g_min(gp: Any) -> Any:
    m = gp.Model()
    x = m.addVars(2, ub=5, name="x")
    y = m.addVar(lb=-10, ub=10, name="y")
    m.addConstr(y == gp.min_(x[0], x[1], constant=4))
    m.addConstr(x[0] + 2 * x[1] <= 8)
    m.setObjective(y, gp.GRB.MAXIMIZE)
    return m


def g_abs(gp: Any) -> Any:
    m = gp.Model()
    x = m.addVar(lb=-5, ub=5, name="x")
    a = m.addVar(name="a")
    m.addGenConstrAbs(a, x)
    m.addConstr(x <= -2)
    m.setObjective(a + 0.5 * x)
    return m


def g_abs_unbounded_var(gp: Any) -> Any:
    m = gp.Model()
    x = m.addVar(lb=-gp.GRB.INFINITY, name="x")
    a = m.addVar(name="a")
    m.addConstr(a == gp.abs_(x))
    m.addConstr(x <= -3)
    m.setObjective(a)
    return m


def g_and_or(gp: Any) -> Any:
    m = gp.Model()
    b = m.addVars(3, vtype="B", name="b")
    r1 = m.addVar(vtype="B", name="r1")
    r2 = m.addVar(vtype="B", name="r2")
    m.addGenConstrAnd(r1, [b[0], b[1]])
    m.addConstr(r2 == gp.or_(b[1], b[2]))
    m.addConstr(b[0] + b[1] + b[2] <= 2)
    m.setObjective(3 * r1 + 2 * r2 - b[2], gp.GRB.MAXIMIZE)
    return m


def g_indicator(gp: Any) -> Any:
    m = gp.Model()
    open_ = m.addVars(2, vtype="B", name="open")
    flow = m.addVars(2, ub=100, name="flow")
    m.addGenConstrIndicator(open_[0], 0, flow[0] <= 0)
    m.addConstr((open_[1] == 0) >> (flow[1] <= 0))
    m.addConstr(flow[0] + flow[1] >= 30)
    m.setObjective(50 * open_[0] + 20 * open_[1] + 2 * flow[0] + 3 * flow[1])
    return m


def g_indicator_free(gp: Any) -> Any:
    m = gp.Model()
    b = m.addVar(vtype="B", name="b")
    x = m.addVar(name="x")
    m.addGenConstrIndicator(b, 1, x, gp.GRB.GREATER_EQUAL, 7)
    m.addConstr(x <= 5 + 10 * b)
    m.setObjective(x - 8 * b, gp.GRB.MAXIMIZE)
    m.addConstr(x <= 20)
    return m


def g_sos(gp: Any) -> Any:
    m = gp.Model()
    x = m.addVars(3, ub=2, name="x")
    m.addSOS(gp.GRB.SOS_TYPE1, [x[0], x[1], x[2]], [1, 2, 3])
    m.setObjective(x[0] + 2 * x[1] + 3 * x[2], gp.GRB.MAXIMIZE)
    return m


def g_range_and_lconstr(gp: Any) -> Any:
    m = gp.Model()
    x = m.addVar(name="x")
    y = m.addVar(name="y")
    m.addRange(x + y, 2, 5)
    m.addLConstr(x - y, gp.GRB.LESS_EQUAL, 1)
    m.addLConstr(gp.LinExpr([1, 1], [x, y]), ">", 2.5)
    m.setObjective(2 * x + y, gp.GRB.MAXIMIZE)
    return m


def g_semicont(gp: Any) -> Any:
    m = gp.Model()
    x = m.addVar(lb=2, ub=6, vtype=gp.GRB.SEMICONT, name="x")
    y = m.addVar(name="y")
    m.addConstr(x + y >= 1)
    m.setObjective(x + 3 * y)
    return m


G_MODELS = [
    g_lp,
    g_milp,
    g_infeasible,
    g_unbounded,
    g_qp,
    g_miqp,
    g_nonconvex,
    g_qcp,
    g_transport,
    g_max,
    g_min,
    g_abs,
    g_abs_unbounded_var,
    g_and_or,
    g_indicator,
    g_indicator_free,
    g_sos,
    g_range_and_lconstr,
    g_semicont,
]


def c_lp(cp: Any) -> Any:
    env = cp.Envr()
    m = env.createModel("lp")
    x = m.addVar(name="x")
    y = m.addVar(name="y")
    m.addConstr(6 * x + 4 * y <= 24)
    m.addConstr(x + 2 * y, cp.COPT.LESS_EQUAL, 6)
    m.addConstr(y - x <= 1, "market")
    m.addConstr(y <= 2)
    m.setObjective(5 * x + 4 * y, cp.COPT.MAXIMIZE)
    return m


def c_milp(cp: Any) -> Any:
    m = c_lp(cp)
    for v in m.getVars():
        v.vtype = cp.COPT.INTEGER
    return m


def c_infeasible(cp: Any) -> Any:
    m = cp.Envr().createModel("inf")
    x = m.addVars(2, nameprefix="x")
    m.addConstr(x[0] + x[1] <= 2)
    m.addConstr(x[0] + 2 * x[1] >= 5)
    m.setObjective(x[0] + x[1], cp.COPT.MINIMIZE)
    return m


def c_knapsack(cp: Any) -> Any:
    w = [4, 3, 5, 2, 6]
    v = [10, 7, 12, 4, 13]
    m = cp.Envr().createModel("knap")
    x = m.addVars(range(5), vtype=cp.COPT.BINARY, nameprefix="take")
    m.addConstr(cp.quicksum(w[i] * x[i] for i in range(5)) <= 11)
    m.setObjective(x.prod({i: v[i] for i in range(5)}), cp.COPT.MAXIMIZE)
    return m


def c_qp(cp: Any) -> Any:
    m = cp.Envr().createModel("qp")
    x = m.addVar(name="x")
    y = m.addVar(name="y")
    m.addConstr(x + y <= 3)
    m.setObjective(x * x + x * y + y * y - 6 * x - 4 * y, cp.COPT.MINIMIZE)
    return m


C_MODELS = [c_lp, c_milp, c_infeasible, c_knapsack, c_qp]
