"""An infeasible transportation model in Pyomo: the markets want more than the plants can make.

Two plants (capacity 180 and 120 units) supply three markets that each insist on receiving their full demand
(100, 140 and 110 units: 350 in total, 50 more than the plants can make). The solver proves that no shipping plan
exists; optagent reports ``infeasible`` instead of a number. Fix: allow unmet demand at a penalty, or add capacity.

Run it with ``optagent run examples/transport_infeasible_pyomo.py`` (or plain ``python``).
"""

import pyomo.environ as pyo

supply = {"plant_a": 180, "plant_b": 120}
demand = {"north": 100, "east": 140, "west": 110}
cost = {
    ("plant_a", "north"): 4,
    ("plant_a", "east"): 6,
    ("plant_a", "west"): 9,
    ("plant_b", "north"): 5,
    ("plant_b", "east"): 3,
    ("plant_b", "west"): 7,
}

model = pyo.ConcreteModel(name="transport")
model.ship = pyo.Var(list(cost), domain=pyo.NonNegativeReals)
model.supply = pyo.Constraint(list(supply), rule=lambda m, p: sum(m.ship[p, k] for k in demand) <= supply[p])
model.demand = pyo.Constraint(list(demand), rule=lambda m, k: sum(m.ship[p, k] for p in supply) >= demand[k])
model.cost = pyo.Objective(expr=sum(cost[r] * model.ship[r] for r in cost), sense=pyo.minimize)

results = pyo.SolverFactory("appsi_highs").solve(model, load_solutions=False)
condition = results.solver.termination_condition

print("Status:", condition)
if condition == pyo.TerminationCondition.optimal:
    model.solutions.load_from(results)
    print("Objective value (cost):", pyo.value(model.cost))
else:
    print(f"No shipping plan: demand {sum(demand.values())} exceeds supply {sum(supply.values())}.")
