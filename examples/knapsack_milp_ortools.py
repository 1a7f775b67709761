"""Knapsack (MILP) with OR-Tools' linear solver wrapper: what to pack for a hike.

Ten items, each with a weight (kg) and a value (points). The backpack holds 10 kg, and the tent and the
sleeping bag go together or not at all. Pick the items of greatest total value.

Run it with ``optagent run examples/knapsack_milp_ortools.py`` (or plain ``python``).
"""

from ortools.linear_solver import pywraplp

items = {
    # name: (weight kg, value)
    "tent": (4.0, 30),
    "sleeping_bag": (2.0, 22),
    "stove": (1.5, 12),
    "food": (3.0, 40),
    "water_filter": (0.5, 18),
    "camera": (1.0, 10),
    "book": (0.8, 4),
    "rain_jacket": (0.7, 15),
    "first_aid": (0.4, 16),
    "extra_boots": (1.6, 6),
}
capacity = 10.0

solver = pywraplp.Solver.CreateSolver("SCIP")
if solver is None:
    raise SystemExit("OR-Tools was built without SCIP")

take = {name: solver.BoolVar(f"take_{name}") for name in items}
solver.Add(sum(weight * take[name] for name, (weight, _) in items.items()) <= capacity)
solver.Add(take["tent"] == take["sleeping_bag"])
solver.Maximize(sum(value * take[name] for name, (_, value) in items.items()))

status = solver.Solve()
if status == pywraplp.Solver.OPTIMAL:
    packed = [name for name in items if take[name].solution_value() > 0.5]
    print("Status: OPTIMAL")
    print("Pack:", ", ".join(packed))
    print("Weight:", sum(items[name][0] for name in packed), "kg")
    print("Objective value (total value):", solver.Objective().Value())
else:
    print("Status:", status)
