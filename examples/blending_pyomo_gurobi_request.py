"""Alloy blending (LP) in Pyomo, written for Gurobi: optagent runs it on HiGHS.

A foundry melts five scrap sources into 1000 kg of alloy that must contain 2.5-3.5% copper, 0.8-1.2% manganese and
at most 0.5% zinc. Each source has a price per kg and a known composition; each is available only in limited
quantity. Find the cheapest blend.

The program asks for ``SolverFactory("gurobi")``, as many LLM-written programs do. Under
``optagent run examples/blending_pyomo_gurobi_request.py`` that request is mapped to HiGHS and the result notes the
substitution; in plain Python it needs a licensed Gurobi.
"""

import pyomo.environ as pyo

sources = {
    # name: (price $/kg, available kg, copper %, manganese %, zinc %)
    "scrap_steel": (0.42, 700, 0.2, 0.9, 0.1),
    "brass_turnings": (0.95, 200, 60.0, 0.0, 38.0),
    "copper_wire": (2.10, 100, 99.5, 0.0, 0.0),
    "ferromanganese": (1.30, 50, 0.0, 78.0, 0.0),
    "cast_iron": (0.35, 500, 0.1, 0.6, 0.0),
}
batch = 1000.0
bounds = {"copper": (2.5, 3.5), "manganese": (0.8, 1.2), "zinc": (0.0, 0.5)}
element_column = {"copper": 2, "manganese": 3, "zinc": 4}

model = pyo.ConcreteModel(name="alloy_blend")
model.S = pyo.Set(initialize=list(sources))
model.use = pyo.Var(model.S, bounds=lambda m, s: (0, sources[s][1]))

model.batch = pyo.Constraint(expr=sum(model.use[s] for s in model.S) == batch)


def element_share(m, element):
    """Keep the element's share of the batch within its bounds."""
    low, high = bounds[element]
    content = sum(sources[s][element_column[element]] / 100 * m.use[s] for s in m.S)
    return pyo.inequality(low / 100 * batch, content, high / 100 * batch)


model.elements = pyo.Constraint(list(bounds), rule=element_share)
model.cost = pyo.Objective(expr=sum(sources[s][0] * model.use[s] for s in model.S), sense=pyo.minimize)

solver = pyo.SolverFactory("gurobi")
results = solver.solve(model)

print("Status:", results.solver.termination_condition)
for s in model.S:
    print(f"  {s:15s} {pyo.value(model.use[s]):8.2f} kg")
print("Objective value (cost, $):", pyo.value(model.cost))
