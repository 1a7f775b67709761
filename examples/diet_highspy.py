"""The diet problem (LP) in highspy: the cheapest daily menu that meets nutrition targets.

Five foods, each with a price per serving and its calories, protein, calcium and fibre. Choose servings (at most
four of any one food) so the menu meets every daily minimum at the lowest cost.

Run it with ``optagent run examples/diet_highspy.py`` (or plain ``python``).
"""

import highspy

foods = {
    # name: (price $, calories kcal, protein g, calcium mg, fibre g) per serving
    "oatmeal": (0.30, 110, 4, 2, 4),
    "chicken": (2.40, 205, 32, 12, 0),
    "eggs": (0.50, 160, 13, 54, 0),
    "milk": (0.60, 160, 8, 285, 0),
    "beans": (0.90, 260, 14, 80, 12),
}
minimum = {"calories": 2000, "protein": 55, "calcium": 800, "fibre": 25}
max_servings = 4

h = highspy.Highs()
h.setOptionValue("output_flag", False)

servings = {name: h.addVariable(lb=0, ub=max_servings, name=name) for name in foods}
for k, nutrient in enumerate(minimum, start=1):
    h.addConstr(sum(data[k] * servings[name] for name, data in foods.items()) >= minimum[nutrient])
h.minimize(sum(data[0] * servings[name] for name, data in foods.items()))

status = h.getModelStatus()
print("Status:", h.modelStatusToString(status))
if status == highspy.HighsModelStatus.kOptimal:
    for name, var in servings.items():
        if h.val(var) > 1e-9:
            print(f"  {name}: {h.val(var):.3f} servings")
    print("Objective value (daily cost, $):", h.getInfo().objective_function_value)
