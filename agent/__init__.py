"""The agent: LLM backends, prompts, the LangGraph graph and the ``optagent`` command line.

Only the command line exists so far (``optagent run``); it stays importable without any LLM SDK.
"""

__all__: list[str] = []
