"""The gate: thresholds, regressions, exceptions and coverage per ring, turned into a green,
yellow or red decision (or could not evaluate) with reasons."""

from ringfence.gate.decision import (
    EMPTY_INPUTS_SHA256,
    CheckKind,
    CheckResult,
    CoverageGap,
    Decision,
    ExceptionUse,
    Verdict,
)
from ringfence.gate.evaluate import evaluate_gate
from ringfence.gate.policy import (
    CoverageRequirement,
    GatePolicy,
    MetricCheck,
    Ring,
    load_gate_policy,
)

__all__ = [
    "EMPTY_INPUTS_SHA256",
    "CheckKind",
    "CheckResult",
    "CoverageGap",
    "CoverageRequirement",
    "Decision",
    "ExceptionUse",
    "GatePolicy",
    "MetricCheck",
    "Ring",
    "Verdict",
    "evaluate_gate",
    "load_gate_policy",
]
