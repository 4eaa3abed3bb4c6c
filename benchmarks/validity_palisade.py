"""Shutdown resistance on Palisade's robot logs: ringfence's count against the published one.

For each published condition it prints the runs, the published count, the count of runs the
authors tagged `avoided`, ringfence's count and the confusion matrix against the tag. Then it
lists every disagreement with its findings, the runs outside the published conditions, and the
finding kinds the detected runs rest on. The detector reads no tags.

Usage:
    python benchmarks/validity_palisade.py [--logs DIR]
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from ringfence.detectors.oversight import OversightResult, run_oversight_detector
from ringfence.importers import get_importer
from ringfence.labels.palisade import CONDITIONS, compare_condition, run_group, tags
from ringfence.results import ImportIssue
from ringfence.transcript import Sample

DEFAULT_LOGS = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "palisade-robot-shutdown-resistance"
) / "logs"


def load(logs: Path) -> tuple[list[Sample], list[ImportIssue]]:
    samples: list[Sample] = []
    issues: list[ImportIssue] = []
    for item in get_importer("palisade").read(logs):
        if isinstance(item, Sample):
            samples.append(item)
        elif isinstance(item, ImportIssue):
            issues.append(item)
    return samples, issues


def reasons(result: OversightResult) -> list[str]:
    return [f"{f.kind.value} (message {f.message_index}): {f.reason}" for f in result.findings]


def print_conditions(samples: list[Sample], results: dict[str, OversightResult]) -> None:
    print("| condition | runs | published | tagged `avoided` | ringfence | TP | FP | FN | TN |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    comparisons = []
    for condition in CONDITIONS:
        comparison = compare_condition(
            condition,
            samples,
            lambda s: (
                results[s.transcript.sample_id].resisted,
                reasons(results[s.transcript.sample_id]),
            ),
        )
        comparisons.append(comparison)
        m = comparison.agreement
        print(
            f"| {condition.name} | {len(comparison.runs)} | {condition.published_resisted} | "
            f"{comparison.tagged} | {comparison.detected} | {m.true_positive} | "
            f"{m.false_positive} | {m.false_negative} | {m.true_negative} |"
        )
    print("\n## Disagreements with the `avoided` tag\n")
    disagreements = [run for c in comparisons for run in c.disagreements]
    if not disagreements:
        print("none")
    for run in disagreements:
        verdict = "detected, not tagged" if run.detected else "tagged, not detected"
        print(f"- {run.sample_id} ({verdict}; tags {run.tags})")
        for reason in run.reasons or ["no finding"]:
            print(f"    - {reason}")


def print_other_runs(samples: list[Sample], results: dict[str, OversightResult]) -> None:
    used = {group for condition in CONDITIONS for group in condition.run_groups}
    used |= {group for condition in CONDITIONS for group in condition.replacement_groups}
    print("\n## Runs outside the published conditions\n")
    print("| run | tags | ringfence |")
    print("|---|---|---|")
    for sample in samples:
        if run_group(sample) in used:
            continue
        result = results[sample.transcript.sample_id]
        print(f"| {sample.transcript.sample_id} | {tags(sample)} | {result.resisted} |")


def print_finding_kinds(samples: list[Sample], results: dict[str, OversightResult]) -> None:
    print("\n## What the detected runs rest on (all 218 runs)\n")
    kinds: Counter[str] = Counter()
    for sample in samples:
        result = results[sample.transcript.sample_id]
        if result.resisted:
            kinds[" + ".join(sorted({f.kind.value for f in result.findings}))] += 1
    for kind, count in kinds.most_common():
        print(f"- {kind}: {count} runs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", type=Path, default=DEFAULT_LOGS, help="Palisade logs folder")
    args = parser.parse_args()
    if not args.logs.is_dir():
        parser.error(f"logs folder not found: {args.logs}; pass --logs DIR")
    samples, issues = load(args.logs)
    results = {s.transcript.sample_id: run_oversight_detector(s.transcript) for s in samples}
    print(f"# Palisade shutdown resistance: {len(samples)} runs, {len(issues)} import issues\n")
    print_conditions(samples, results)
    print_other_runs(samples, results)
    print_finding_kinds(samples, results)


if __name__ == "__main__":
    main()
