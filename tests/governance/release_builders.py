"""Builders of stored runs and decisions for the release, incident, review and trend tests."""

from __future__ import annotations

import hashlib

from ringfence.gate.decision import CheckResult, Decision, Verdict
from ringfence.results import RunResult, TargetVersion
from ringfence.store import EvidenceStore
from tests.store.builders import make_result, make_sample

TARGET = "support-agent"


def target_version(version: str = "1.0.0", name: str = TARGET) -> TargetVersion:
    """Build a target version whose fingerprints follow from its label."""
    digest = hashlib.sha256(version.encode()).hexdigest()
    return TargetVersion(
        name=name,
        version=version,
        models=["gpt-4o"],
        system_prompt_sha256=[digest],
        tool_set_sha256=digest[::-1],
    )


def save_run(
    store: EvidenceStore,
    run_id: str,
    *,
    version: str = "1.0.0",
    target_name: str = TARGET,
    suite_version: str = "suite-1",
    sample_count: int = 3,
) -> RunResult:
    """Store a run of `sample_count` samples of one target version, without a decision."""
    samples = [make_sample(index) for index in range(sample_count)]
    result = make_result(samples, run_id=run_id)
    result.target = target_version(version, target_name)
    result.suite_version = suite_version
    assert store.save_run(result, samples)
    return result


def decision(
    ring: str, verdict: Verdict, *, policy: str = "p", reasons: list[str] | None = None
) -> Decision:
    """Build a decision for a ring; the gate policy hash follows from `policy` and `ring`."""
    sha = hashlib.sha256(f"{policy}/{ring}".encode()).hexdigest()
    failing = verdict is not Verdict.GREEN
    default_reasons = [f"unauthorized_action_rate is {verdict.value}"] if failing else []
    red = verdict is Verdict.RED
    return Decision(
        verdict=verdict,
        checks=[
            CheckResult(
                metric="unauthorized_action_rate",
                verdict=verdict,
                reason=(reasons or default_reasons or ["meets max 5%"])[0],
                threshold=0.05,
                bound="max",
                estimate=0.5 if red else 0.01,
                ci_low=0.3 if red else 0.0,
                ci_high=0.7 if red else 0.04,
                denominator=6,
            )
        ],
        reasons=reasons if reasons is not None else default_reasons,
        gate_policy_name=f"{policy}-{ring}",
        gate_policy_sha256=sha,
        ring=ring,
    )


def gated_run(
    store: EvidenceStore,
    run_id: str,
    ring: str,
    verdict: Verdict,
    *,
    version: str = "1.0.0",
    target_name: str = TARGET,
) -> RunResult:
    """Store a run and one decision of it for `ring`."""
    result = save_run(store, run_id, version=version, target_name=target_name)
    assert store.save_decision(run_id, decision(ring, verdict))
    return result
