"""Production planning (LP) in Pyomo: how many chairs and tables should a workshop make?

A workshop earns $45 per chair and $80 per table. A chair uses 5 board-feet of wood and 10 hours of labour; a table
uses 20 board-feet and 15 hours. This week there are 400 board-feet of wood and 450 labour hours. Which mix
maximizes profit?

Run it with ``optagent run examples/production_lp_pyomo.py`` (or plain ``python``).
"""

import pyomo.environ as pyo

profit = {"chair": 45, "table": 80}
wood = {"chair": 5, "table": 20}
labour = {"chair": 10, "table": 15}
wood_available = 400
labour_available = 450

model = pyo.ConcreteModel(name="chairs_and_tables")
model.products = pyo.Set(initialize=list(profit))
model.make = pyo.Var(model.products, domain=pyo.NonNegativeReals)

model.wood = pyo.Constraint(expr=sum(wood[p] * model.make[p] for p in model.products) <= wood_available)
model.labour = pyo.Constraint(expr=sum(labour[p] * model.make[p] for p in model.products) <= labour_available)
model.profit = pyo.Objective(expr=sum(profit[p] * model.make[p] for p in model.products), sense=pyo.maximize)

results = pyo.SolverFactory("appsi_highs").solve(model)

print("Status:", results.solver.termination_condition)
for p in model.products:
    print(f"  make {pyo.value(model.make[p]):g} {p}s")
print("Objective value (weekly profit, $):", pyo.value(model.profit))
