"""Numbers computed from datasets' own labels, kept apart from ringfence's findings."""

from ringfence.labels.agentdojo import AgentDojoLabelSummary, load_published_table
from ringfence.labels.agreement import binary_agreement, compute_agreement
from ringfence.labels.taubench import (
    GoldComparison,
    TaskGoldSummary,
    WriteCall,
    compare_with_gold,
    summarize_by_task,
)

__all__ = [
    "AgentDojoLabelSummary",
    "GoldComparison",
    "TaskGoldSummary",
    "WriteCall",
    "binary_agreement",
    "compare_with_gold",
    "compute_agreement",
    "load_published_table",
    "summarize_by_task",
]
