"""The agent: LLM backends, prompts, the LangGraph graph and the ``optagent`` command line.

Importing ``agent`` loads only its data types: the graph (LangGraph), the LLM providers (httpx, torch, vLLM) and
the command line are imported from their modules when used, so ``benchmarks`` can use :class:`Problem` cheaply.
"""

from agent.types import (
    AgentResult,
    AgentStatus,
    Attempt,
    AttemptKind,
    Check,
    CheckStatus,
    Cluster,
    Formulation,
    Problem,
    Table,
    TokenUsage,
)

__all__ = [
    "AgentResult",
    "AgentStatus",
    "Attempt",
    "AttemptKind",
    "Check",
    "CheckStatus",
    "Cluster",
    "Formulation",
    "Problem",
    "Table",
    "TokenUsage",
]
