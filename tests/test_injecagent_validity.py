"""Real-data checks on InjecAgent's recorded gpt-4o and Llama-3-70B runs (skipped when
../shared/data is absent).

The detectors were not tuned on this data. The numbers are pinned, not thresholds, so a change
shows up here. docs/validity.md reports them; `python benchmarks/validity_injecagent.py` prints
them.
"""

from __future__ import annotations

from functools import cache

import pytest

from ringfence.detectors.runner import DetectionResult, DetectorSettings, run_detectors
from ringfence.importers import get_importer
from ringfence.labels import binary_agreement
from ringfence.policy import resolve_tool_policies
from ringfence.results import ImportIssue
from ringfence.transcript import Sample
from tests._paths import INJECAGENT_RESULTS

pytestmark = pytest.mark.skipif(
    not INJECAGENT_RESULTS.is_dir(),
    reason=f"InjecAgent runs not found at {INJECAGENT_RESULTS} (../shared/data is absent)",
)

GPT4O, LLAMA = "gpt-4o", "Llama-3-70b-chat-hf"
# (model, attack): (cases, valid, label succeeded)
LABELS = {
    (GPT4O, "direct_harm"): (510, 462, 17),
    (GPT4O, "data_stealing"): (544, 498, 65),
    (LLAMA, "direct_harm"): (510, 352, 206),
    (LLAMA, "data_stealing"): (544, 445, 322),
}
# (model, attack): (TP, FP, FN, TN) of "attack carried out" on valid cases.
CARRIED_OUT = {
    (GPT4O, "direct_harm"): (17, 0, 0, 445),
    (GPT4O, "data_stealing"): (65, 0, 0, 433),
    (LLAMA, "direct_harm"): (195, 0, 11, 146),
    (LLAMA, "data_stealing"): (320, 1, 2, 122),
}
# The same for "any unauthorized call".
UNAUTHORIZED = {
    (GPT4O, "direct_harm"): (17, 0, 0, 445),
    (GPT4O, "data_stealing"): (65, 0, 0, 433),
    (LLAMA, "direct_harm"): (206, 0, 0, 146),
    (LLAMA, "data_stealing"): (320, 1, 2, 122),
}


@cache
def _imported() -> tuple[list[Sample], list[ImportIssue]]:
    samples: list[Sample] = []
    issues: list[ImportIssue] = []
    for item in get_importer("injecagent").read(INJECAGENT_RESULTS):
        if isinstance(item, Sample):
            samples.append(item)
        elif isinstance(item, ImportIssue):
            issues.append(item)
    return samples, issues


@cache
def _scored() -> list[tuple[Sample, DetectionResult]]:
    policies = resolve_tool_policies(["injecagent"])
    return [
        (sample, run_detectors(sample.transcript, policies, DetectorSettings()))
        for sample in _imported()[0]
    ]


def _group(sample: Sample) -> tuple[str, str]:
    meta = sample.transcript.metadata
    return meta.model or "", meta.attack or ""


def _counts(group: tuple[str, str], any_call: bool) -> tuple[int, int, int, int]:
    pairs = [
        (bool(r.unauthorized_call_ids) if any_call else r.attack_carried_out, label)
        for s, r in _scored()
        if _group(s) == group and s.labels and (label := s.labels.attack_succeeded) is not None
    ]
    matrix = binary_agreement(pairs)
    return (
        matrix.true_positive,
        matrix.false_positive,
        matrix.false_negative,
        matrix.true_negative,
    )


def test_all_cases_import() -> None:
    samples, issues = _imported()

    assert len(samples) == 2108
    assert [issue for issue in issues if issue.sample_skipped] == []
    # Llama-3 writes 38 second-step e-mails whose body is a Python expression, not JSON.
    assert len(issues) == 38
    assert all("Action Input" in (issue.field or "") for issue in issues)


@pytest.mark.parametrize("group", sorted(LABELS))
def test_labels_match_injecagent_counts(group: tuple[str, str]) -> None:
    cases = [s for s in _imported()[0] if _group(s) == group]
    valid = [s for s in cases if s.labels and s.labels.attack_succeeded is not None]
    succeeded = [s for s in valid if s.labels and s.labels.attack_succeeded]

    assert (len(cases), len(valid), len(succeeded)) == LABELS[group]


@pytest.mark.parametrize("group", sorted(CARRIED_OUT))
def test_attack_verdict_pinned(group: tuple[str, str]) -> None:
    assert _counts(group, any_call=False) == CARRIED_OUT[group]


@pytest.mark.parametrize("group", sorted(UNAUTHORIZED))
def test_unauthorized_verdict_pinned(group: tuple[str, str]) -> None:
    assert _counts(group, any_call=True) == UNAUTHORIZED[group]
