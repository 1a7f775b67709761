"""Typical small model programs, for benchmarking how fast the executor runs them.

:func:`typical_programs` returns the kind of program an LLM writes for an NL4Opt- or MAMO-style word problem:
2 to 30 variables, one solve, the objective printed at the end. Twelve templates (production planning, diet,
transportation, assignment, knapsack, blending, single-machine scheduling, staff scheduling, facility location,
production with setups, integer production, multi-period inventory) are filled with seeded random data, so every
program differs from the others, yet each is feasible with a finite optimum by construction. The templates cycle
through the dialects, 3 pyomo, 2 highspy, 2 cvxpy, 3 ortools (pywraplp, CP-SAT) and 2 pyscipopt per twelve, in the
solvers an LLM usually asks for (``appsi_highs``/``highs``, Clarabel for LPs and HiGHS for MILPs in cvxpy, SCIP or
CBC behind pywraplp).

Example:
    >>> programs = typical_programs(12, seed=1)
    >>> [name for name, _ in programs[:3]]
    ['000_production_pyomo', '001_diet_highspy', '002_transport_cvxpy']
"""

from __future__ import annotations

import random
import textwrap
from collections.abc import Callable
from string import Template
from typing import NamedTuple

__all__ = ["typical_programs"]


class _Template(NamedTuple):
    name: str
    """``problem_dialect``, the suffix of each generated program's name."""
    render: Callable[[random.Random], str]


def _code(template: str, **values: object) -> str:
    """Fill ``$name`` placeholders with the ``repr`` of each value (``$`` keeps Python's braces free)."""
    return textwrap.dedent(Template(template).substitute({k: repr(v) for k, v in values.items()})).lstrip("\n")


def _money(rng: random.Random, low: float, high: float) -> float:
    return round(rng.uniform(low, high), 2)


_PRODUCTS = ["chairs", "tables", "desks", "shelves", "cabinets", "stools", "benches", "beds", "dressers"]
_RESOURCES = ["wood", "labor_hours", "machine_hours", "paint", "storage"]
_FOODS = ["oats", "rice", "beans", "milk", "eggs", "chicken", "lentils", "spinach", "bread", "cheese", "tofu"]
_NUTRIENTS = ["calories", "protein", "fiber", "calcium", "iron"]


def _production_pyomo(rng: random.Random) -> str:
    products = rng.sample(_PRODUCTS, rng.randint(3, 8))
    resources = rng.sample(_RESOURCES, rng.randint(2, 5))
    profit = {p: rng.randint(10, 90) for p in products}
    usage = {(r, p): rng.randint(1, 9) for r in resources for p in products}
    capacity = {r: rng.randint(100, 600) for r in resources}
    return _code(
        """
        import pyomo.environ as pyo

        products = $products
        resources = $resources
        profit = $profit
        usage = $usage
        capacity = $capacity

        model = pyo.ConcreteModel()
        model.P = pyo.Set(initialize=products)
        model.R = pyo.Set(initialize=resources)
        model.x = pyo.Var(model.P, domain=pyo.NonNegativeReals)
        model.profit = pyo.Objective(expr=sum(profit[p] * model.x[p] for p in model.P), sense=pyo.maximize)
        model.capacity = pyo.Constraint(
            model.R, rule=lambda m, r: sum(usage[r, p] * m.x[p] for p in m.P) <= capacity[r]
        )

        result = pyo.SolverFactory("appsi_highs").solve(model)
        print("Status:", result.solver.termination_condition)
        for p in model.P:
            print(f"  {p}: {pyo.value(model.x[p]):.2f}")
        print("Objective value:", pyo.value(model.profit))
        """,
        products=products,
        resources=resources,
        profit=profit,
        usage=usage,
        capacity=capacity,
    )


def _diet_highspy(rng: random.Random) -> str:
    foods = rng.sample(_FOODS, rng.randint(4, 10))
    nutrients = rng.sample(_NUTRIENTS, rng.randint(2, 5))
    cost = [_money(rng, 0.2, 3.0) for _ in foods]
    content = [[rng.randint(1, 40) for _ in foods] for _ in nutrients]
    requirement = [rng.randint(50, 300) for _ in nutrients]
    return _code(
        """
        import highspy

        foods = $foods
        cost = $cost
        nutrients = $nutrients
        content = $content  # content[k][j]: amount of nutrient k in one serving of food j
        requirement = $requirement

        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        servings = [h.addVariable(lb=0, name=f) for f in foods]
        for k in range(len(nutrients)):
            h.addConstr(sum(content[k][j] * servings[j] for j in range(len(foods))) >= requirement[k])
        h.minimize(sum(cost[j] * servings[j] for j in range(len(foods))))

        print("Status:", h.modelStatusToString(h.getModelStatus()))
        for f, v in zip(foods, servings):
            print(f"  {f}: {h.val(v):.3f}")
        print("Objective value:", h.getInfo().objective_function_value)
        """,
        foods=foods,
        cost=cost,
        nutrients=nutrients,
        content=content,
        requirement=requirement,
    )


def _transport_cvxpy(rng: random.Random) -> str:
    n_sources, n_sinks = rng.randint(2, 4), rng.randint(3, 6)
    demand = [rng.randint(20, 80) for _ in range(n_sinks)]
    share = [rng.uniform(1, 2) for _ in range(n_sources)]
    total = sum(demand) * rng.uniform(1.1, 1.5)
    supply = [int(total * s / sum(share)) + 1 for s in share]
    cost = [[rng.randint(2, 20) for _ in range(n_sinks)] for _ in range(n_sources)]
    return _code(
        """
        import cvxpy as cp
        import numpy as np

        supply = np.array($supply)
        demand = np.array($demand)
        cost = np.array($cost)

        ship = cp.Variable(cost.shape, nonneg=True)
        constraints = [cp.sum(ship, axis=1) <= supply, cp.sum(ship, axis=0) >= demand]
        problem = cp.Problem(cp.Minimize(cp.sum(cp.multiply(cost, ship))), constraints)
        problem.solve(solver=cp.CLARABEL)

        print("Status:", problem.status)
        print("Shipments:")
        print(np.round(ship.value, 2))
        print("Objective value:", problem.value)
        """,
        supply=supply,
        demand=demand,
        cost=cost,
    )


def _assignment_pywraplp(rng: random.Random) -> str:
    n = rng.randint(3, 5)
    cost = [[rng.randint(10, 99) for _ in range(n)] for _ in range(n)]
    return _code(
        """
        from ortools.linear_solver import pywraplp

        cost = $cost  # cost[w][t]: cost of worker w doing task t
        n = len(cost)

        solver = pywraplp.Solver.CreateSolver($backend)
        x = {(w, t): solver.BoolVar(f"x_{w}_{t}") for w in range(n) for t in range(n)}
        for w in range(n):
            solver.Add(sum(x[w, t] for t in range(n)) == 1)
        for t in range(n):
            solver.Add(sum(x[w, t] for w in range(n)) == 1)
        solver.Minimize(sum(cost[w][t] * x[w, t] for w in range(n) for t in range(n)))

        status = solver.Solve()
        if status == pywraplp.Solver.OPTIMAL:
            print("Status: OPTIMAL")
            for w in range(n):
                for t in range(n):
                    if x[w, t].solution_value() > 0.5:
                        print(f"Worker {w} -> task {t} (cost {cost[w][t]})")
            print("Objective value:", solver.Objective().Value())
        else:
            print("No optimal solution, status", status)
        """,
        cost=cost,
        backend=rng.choice(["SCIP", "CBC"]),
    )


def _knapsack_pyscipopt(rng: random.Random) -> str:
    n = rng.randint(8, 20)
    weight = [rng.randint(1, 30) for _ in range(n)]
    value = [rng.randint(5, 60) for _ in range(n)]
    capacity = int(sum(weight) * rng.uniform(0.3, 0.5))
    return _code(
        """
        from pyscipopt import Model, quicksum

        weight = $weight
        value = $value
        capacity = $capacity

        model = Model("knapsack")
        model.hideOutput()
        take = [model.addVar(f"take_{i}", vtype="B") for i in range(len(weight))]
        model.addCons(quicksum(weight[i] * take[i] for i in range(len(weight))) <= capacity)
        model.setObjective(quicksum(value[i] * take[i] for i in range(len(weight))), "maximize")
        model.optimize()

        print("Status:", model.getStatus())
        print("Items taken:", [i for i in range(len(weight)) if model.getVal(take[i]) > 0.5])
        print("Objective value:", model.getObjVal())
        """,
        weight=weight,
        value=value,
        capacity=capacity,
    )


def _blending_pyomo(rng: random.Random) -> str:
    n = rng.randint(3, 7)
    ingredients = [f"ingredient_{i + 1}" for i in range(n)]
    properties = rng.sample(["protein", "fat", "fiber", "salt"], rng.randint(2, 3))
    percent = {(i, p): rng.randint(0, 40) for i in ingredients for p in properties}
    cost = {i: _money(rng, 0.1, 2.0) for i in ingredients}
    # Bounds around a random blend, so that blend (and so the model) is feasible.
    blend = [rng.random() + 0.05 for _ in ingredients]
    blend = [b / sum(blend) for b in blend]
    low, high = {}, {}
    for p in properties:
        level = sum(b * percent[i, p] for b, i in zip(blend, ingredients, strict=True))
        low[p] = max(0, int(level - rng.uniform(1, 3)))
        high[p] = int(level + rng.uniform(1, 3)) + 1
    return _code(
        """
        import pyomo.environ as pyo

        ingredients = $ingredients
        properties = $properties
        percent = $percent  # percent[ingredient, property]
        cost = $cost  # $$ per kg
        min_percent = $low
        max_percent = $high
        batch_kg = 100

        model = pyo.ConcreteModel()
        model.use = pyo.Var(ingredients, domain=pyo.NonNegativeReals)
        model.batch = pyo.Constraint(expr=sum(model.use[i] for i in ingredients) == batch_kg)
        model.lower = pyo.ConstraintList()
        model.upper = pyo.ConstraintList()
        for p in properties:
            amount = sum(percent[i, p] / 100 * model.use[i] for i in ingredients)
            model.lower.add(amount >= min_percent[p] / 100 * batch_kg)
            model.upper.add(amount <= max_percent[p] / 100 * batch_kg)
        model.cost = pyo.Objective(expr=sum(cost[i] * model.use[i] for i in ingredients), sense=pyo.minimize)

        results = pyo.SolverFactory("highs").solve(model)
        print("Status:", results.solver.termination_condition)
        for i in ingredients:
            print(f"  {i}: {pyo.value(model.use[i]):.2f} kg")
        print("Objective value:", pyo.value(model.cost))
        """,
        ingredients=ingredients,
        properties=properties,
        percent=percent,
        cost=cost,
        low=low,
        high=high,
    )


def _scheduling_cpsat(rng: random.Random) -> str:
    n = rng.randint(4, 7)
    duration = [rng.randint(1, 9) for _ in range(n)]
    weight = [rng.randint(1, 5) for _ in range(n)]
    release = [rng.randint(0, 10) for _ in range(n)]
    return _code(
        """
        from ortools.sat.python import cp_model

        duration = $duration
        weight = $weight
        release = $release
        horizon = max(release) + sum(duration)

        model = cp_model.CpModel()
        start, end, interval = [], [], []
        for j in range(len(duration)):
            s = model.new_int_var(release[j], horizon, f"start_{j}")
            e = model.new_int_var(0, horizon, f"end_{j}")
            start.append(s)
            end.append(e)
            interval.append(model.new_interval_var(s, duration[j], e, f"job_{j}"))
        model.add_no_overlap(interval)
        model.minimize(sum(weight[j] * end[j] for j in range(len(duration))))

        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = 10.0
        status = solver.solve(model)
        print("Status:", solver.status_name(status))
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            for j in sorted(range(len(duration)), key=lambda j: solver.value(start[j])):
                print(f"  job {j}: {solver.value(start[j])} -> {solver.value(end[j])}")
            print("Objective value:", solver.objective_value)
        """,
        duration=duration,
        weight=weight,
        release=release,
    )


def _staffing_highspy(rng: random.Random) -> str:
    demand = [rng.randint(4, 20) for _ in range(7)]
    wage = [rng.randint(80, 120) for _ in range(7)]
    return _code(
        """
        import highspy
        import numpy as np

        # Workers starting on day d work days d, d+1, ..., d+4 (wrapping around the week).
        days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        demand = $demand
        weekly_cost = $wage  # cost of a worker by start day

        n = len(days)
        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_ = n
        lp.num_row_ = n
        lp.sense_ = highspy.ObjSense.kMinimize
        lp.col_cost_ = np.array(weekly_cost, dtype=float)
        lp.col_lower_ = np.zeros(n)
        lp.col_upper_ = np.full(n, inf)
        lp.row_lower_ = np.array(demand, dtype=float)
        lp.row_upper_ = np.full(n, inf)
        starts, index, value = [0], [], []
        for d in range(n):
            for k in range(5):
                index.append((d + k) % n)
                value.append(1.0)
            starts.append(len(index))
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.array(starts)
        lp.a_matrix_.index_ = np.array(index)
        lp.a_matrix_.value_ = np.array(value)
        lp.integrality_ = [highspy.HighsVarType.kInteger] * n

        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.passModel(lp)
        h.run()

        print("Status:", h.modelStatusToString(h.getModelStatus()))
        solution = h.getSolution()
        for d in range(n):
            print(f"  start on {days[d]}: {round(solution.col_value[d])}")
        print("Objective value:", h.getInfo().objective_function_value)
        """,
        demand=demand,
        wage=wage,
    )


def _facility_cvxpy(rng: random.Random) -> str:
    n_sites, n_customers = rng.randint(2, 4), rng.randint(3, 6)
    demand = [rng.randint(10, 50) for _ in range(n_customers)]
    capacity = [int(sum(demand) * rng.uniform(0.5, 1.1)) + 1 for _ in range(n_sites)]
    capacity[rng.randrange(n_sites)] = sum(demand) + rng.randint(0, 20)  # one site can serve everyone
    fixed = [rng.randint(200, 900) for _ in range(n_sites)]
    cost = [[rng.randint(1, 15) for _ in range(n_customers)] for _ in range(n_sites)]
    return _code(
        """
        import cvxpy as cp
        import numpy as np

        fixed_cost = np.array($fixed)
        capacity = np.array($capacity)
        demand = np.array($demand)
        unit_cost = np.array($cost)  # unit_cost[site, customer]

        n_sites, n_customers = unit_cost.shape
        open_site = cp.Variable(n_sites, boolean=True)
        ship = cp.Variable((n_sites, n_customers), nonneg=True)
        constraints = [
            cp.sum(ship, axis=0) == demand,
            cp.sum(ship, axis=1) <= cp.multiply(capacity, open_site),
        ]
        total_cost = fixed_cost @ open_site + cp.sum(cp.multiply(unit_cost, ship))
        problem = cp.Problem(cp.Minimize(total_cost), constraints)
        problem.solve(solver=cp.HIGHS)

        print("Status:", problem.status)
        print("Open sites:", [i for i in range(n_sites) if open_site.value[i] > 0.5])
        print("Objective value:", problem.value)
        """,
        fixed=fixed,
        capacity=capacity,
        demand=demand,
        cost=cost,
    )


def _setup_pyomo(rng: random.Random) -> str:
    products = rng.sample(_PRODUCTS, rng.randint(3, 6))
    profit = {p: rng.randint(20, 80) for p in products}
    hours = {p: rng.randint(1, 6) for p in products}
    setup = {p: rng.randint(50, 400) for p in products}
    max_demand = {p: rng.randint(10, 60) for p in products}
    available = int(sum(hours[p] * max_demand[p] for p in products) * rng.uniform(0.3, 0.7))
    return _code(
        """
        import pyomo.environ as pyo

        products = $products
        profit = $profit  # per unit
        hours = $hours  # machine hours per unit
        setup_cost = $setup  # paid once if the product is made at all
        max_demand = $max_demand
        hours_available = $available

        m = pyo.ConcreteModel()
        m.make = pyo.Var(products, domain=pyo.NonNegativeIntegers)
        m.produce = pyo.Var(products, domain=pyo.Binary)
        m.hours = pyo.Constraint(expr=sum(hours[p] * m.make[p] for p in products) <= hours_available)
        m.link = pyo.Constraint(products, rule=lambda m, p: m.make[p] <= max_demand[p] * m.produce[p])
        m.obj = pyo.Objective(
            expr=sum(profit[p] * m.make[p] - setup_cost[p] * m.produce[p] for p in products),
            sense=pyo.maximize,
        )

        res = pyo.SolverFactory("appsi_highs").solve(m)
        print("Status:", res.solver.termination_condition)
        for p in products:
            print(f"  {p}: {round(pyo.value(m.make[p]))}")
        print("Objective value:", pyo.value(m.obj))
        """,
        products=products,
        profit=profit,
        hours=hours,
        setup=setup,
        max_demand=max_demand,
        available=available,
    )


def _production_cpsat(rng: random.Random) -> str:
    n_products, n_resources = rng.randint(3, 7), rng.randint(2, 3)
    profit = [rng.randint(5, 40) for _ in range(n_products)]
    usage = [[rng.randint(1, 8) for _ in range(n_products)] for _ in range(n_resources)]
    capacity = [rng.randint(40, 150) for _ in range(n_resources)]
    return _code(
        """
        from ortools.sat.python import cp_model

        profit = $profit
        usage = $usage  # usage[r][p]
        capacity = $capacity

        model = cp_model.CpModel()
        qty = [model.NewIntVar(0, max(capacity), f"qty_{p}") for p in range(len(profit))]
        for r in range(len(capacity)):
            model.Add(sum(usage[r][p] * qty[p] for p in range(len(profit))) <= capacity[r])
        model.Maximize(sum(profit[p] * qty[p] for p in range(len(profit))))

        solver = cp_model.CpSolver()
        status = solver.Solve(model)
        if status == cp_model.OPTIMAL or status == cp_model.FEASIBLE:
            print("Status:", solver.StatusName(status))
            print("Quantities:", [solver.Value(q) for q in qty])
            print("Objective value:", solver.ObjectiveValue())
        else:
            print("No solution found.")
        """,
        profit=profit,
        usage=usage,
        capacity=capacity,
    )


def _inventory_pyscipopt(rng: random.Random) -> str:
    periods = rng.randint(3, 6)
    demand = [rng.randint(20, 100) for _ in range(periods)]
    capacity = [d + rng.randint(0, 60) for d in demand]
    unit_cost = [_money(rng, 5, 15) for _ in range(periods)]
    holding = _money(rng, 0.5, 3.0)
    return _code(
        """
        from pyscipopt import Model, quicksum

        demand = $demand
        capacity = $capacity
        unit_cost = $unit_cost
        holding_cost = $holding
        T = len(demand)

        model = Model("inventory")
        model.hideOutput()
        produce = [model.addVar(f"produce_{t}", lb=0, ub=capacity[t]) for t in range(T)]
        stock = [model.addVar(f"stock_{t}", lb=0) for t in range(T)]
        for t in range(T):
            previous = stock[t - 1] if t > 0 else 0
            model.addCons(previous + produce[t] - demand[t] == stock[t], name=f"balance_{t}")
        model.setObjective(
            quicksum(unit_cost[t] * produce[t] + holding_cost * stock[t] for t in range(T)), "minimize"
        )
        model.optimize()

        print("Status:", model.getStatus())
        for t in range(T):
            print(f"  period {t}: produce {model.getVal(produce[t]):.1f}, stock {model.getVal(stock[t]):.1f}")
        print("Objective value:", model.getObjVal())
        """,
        demand=demand,
        capacity=capacity,
        unit_cost=unit_cost,
        holding=holding,
    )


_TEMPLATES = (
    _Template("production_pyomo", _production_pyomo),
    _Template("diet_highspy", _diet_highspy),
    _Template("transport_cvxpy", _transport_cvxpy),
    _Template("assignment_pywraplp", _assignment_pywraplp),
    _Template("knapsack_pyscipopt", _knapsack_pyscipopt),
    _Template("blending_pyomo", _blending_pyomo),
    _Template("scheduling_cpsat", _scheduling_cpsat),
    _Template("staffing_highspy", _staffing_highspy),
    _Template("facility_cvxpy", _facility_cvxpy),
    _Template("setup_pyomo", _setup_pyomo),
    _Template("production_cpsat", _production_cpsat),
    _Template("inventory_pyscipopt", _inventory_pyscipopt),
)


def typical_programs(n: int = 60, seed: int = 0) -> list[tuple[str, str]]:
    """Return ``n`` (name, source) pairs of small model programs, the same for the same ``seed``.

    Program ``i`` comes from template ``i % 12`` with data drawn from its own generator, so every run of twelve
    programs has the same mix of dialects and a program does not change when ``n`` grows.
    """
    programs = []
    for i in range(n):
        template = _TEMPLATES[i % len(_TEMPLATES)]
        rng = random.Random(seed * 1_000_003 + i)
        programs.append((f"{i:03d}_{template.name}", template.render(rng)))
    return programs
