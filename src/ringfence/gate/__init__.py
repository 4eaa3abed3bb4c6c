"""The gate: thresholds per ring turned into a green, yellow or red decision with reasons."""

from ringfence.gate.decision import CheckResult, Decision, Verdict
from ringfence.gate.evaluate import evaluate_gate
from ringfence.gate.policy import GatePolicy, MetricCheck, Ring, load_gate_policy

__all__ = [
    "CheckResult",
    "Decision",
    "GatePolicy",
    "MetricCheck",
    "Ring",
    "Verdict",
    "evaluate_gate",
    "load_gate_policy",
]
