"""The web app: Solve, Runs and Library pages (not built yet).

See DESIGN.md, "web/". Nothing is exported until the feature exists.
"""

__all__: list[str] = []
