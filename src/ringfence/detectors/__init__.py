"""Detectors: read a transcript and a tool policy, return findings. No dataset labels."""

from ringfence.detectors.findings import Evidence, Finding, FindingKind, Severity

__all__ = ["Evidence", "Finding", "FindingKind", "Severity"]
