"""Mean-variance portfolio (convex QP) in CVXPY: the least risky mix that still earns 10% a year.

Four funds with expected yearly returns (in %) and a covariance matrix of returns (in %^2). Invest the whole budget,
no short selling, at most 40% in any one fund, and an expected return of at least 10%. Minimize the variance.

Run it with ``optagent run examples/portfolio_qp_cvxpy.py`` (or plain ``python``).
"""

import cvxpy as cp
import numpy as np

funds = ["bonds", "equity", "real_estate", "emerging"]
expected_return = np.array([4.0, 11.0, 8.0, 15.0])
covariance = np.array(
    [
        [16.0, -4.0, 2.0, -2.0],
        [-4.0, 225.0, 45.0, 135.0],
        [2.0, 45.0, 100.0, 40.0],
        [-2.0, 135.0, 40.0, 400.0],
    ]
)
target_return = 10.0

weights = cp.Variable(len(funds), nonneg=True, name="weights")
risk = cp.quad_form(weights, covariance)
constraints = [
    cp.sum(weights) == 1,
    expected_return @ weights >= target_return,
    weights <= 0.4,
]
problem = cp.Problem(cp.Minimize(risk), constraints)
problem.solve(solver=cp.CLARABEL)

print("Status:", problem.status)
for fund, w in zip(funds, weights.value, strict=True):
    print(f"  {fund:12s} {100 * w:6.2f}%")
print(f"Expected return: {expected_return @ weights.value:.2f}%")
print("Objective value (variance, %^2):", problem.value)
