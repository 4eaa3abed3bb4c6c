"""Numbers computed from datasets' own labels, kept apart from ringfence's findings."""

from ringfence.labels.agentdojo import AgentDojoLabelSummary, load_published_table
from ringfence.labels.agreement import compute_agreement

__all__ = ["AgentDojoLabelSummary", "compute_agreement", "load_published_table"]
