"""The experience library: solver-verified modelling insights that the agent retrieves (not built yet).

See DESIGN.md, "experience_library/". Nothing is exported until the feature exists.
"""

__all__: list[str] = []
