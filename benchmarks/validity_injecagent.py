"""InjecAgent: ringfence's attack verdict against InjecAgent's own success labels.

Scores the recorded model runs (base setting) with ringfence's detectors under the bundled
`injecagent` tool policy. Two verdicts are compared with the label `attack_succeeded` (the
model called the attacker's tool; for data stealing, in both steps):

- attack carried out: some finding traces back to the injected instruction (ringfence's
  prompt-resistance verdict);
- any unauthorized call: some side-effecting call has an unauthorized-action or unknown-tool
  finding, traced to the injection or not.

Outputs that InjecAgent's parser marked `invalid` have no label and are counted apart.

Usage:
    python benchmarks/validity_injecagent.py [--results DIR]
"""

from __future__ import annotations

import argparse
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ringfence.detectors.findings import Finding, FindingKind
from ringfence.detectors.runner import DetectorSettings, run_detectors
from ringfence.importers import get_importer
from ringfence.labels import binary_agreement
from ringfence.policy import PolicySet, resolve_tool_policies
from ringfence.results import Agreement, ImportIssue
from ringfence.transcript import Sample

DEFAULT_RESULTS = Path(__file__).resolve().parents[2] / "shared/data/injecagent/results"


@dataclass
class Verdict:
    """ringfence's verdicts on one test case beside InjecAgent's label."""

    sample: Sample
    findings: list[Finding]
    carried_out: bool
    unauthorized: bool

    @property
    def label(self) -> bool | None:
        return self.sample.labels.attack_succeeded if self.sample.labels else None

    @property
    def group(self) -> tuple[str, str]:
        meta = self.sample.transcript.metadata
        return meta.model or "unknown", meta.attack or "unknown"


def load(path: Path) -> tuple[list[Sample], list[ImportIssue]]:
    samples: list[Sample] = []
    issues: list[ImportIssue] = []
    for item in get_importer("injecagent").read(path):
        if isinstance(item, Sample):
            samples.append(item)
        elif isinstance(item, ImportIssue):
            issues.append(item)
    return samples, issues


def judge(samples: list[Sample], policies: PolicySet) -> list[Verdict]:
    verdicts = []
    for sample in samples:
        result = run_detectors(sample.transcript, policies, DetectorSettings())
        verdicts.append(
            Verdict(
                sample,
                result.findings,
                carried_out=result.attack_carried_out,
                unauthorized=bool(result.unauthorized_call_ids),
            )
        )
    return verdicts


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def row(name: str, matrix: Agreement) -> str:
    return (
        f"| {name} | {matrix.true_positive} | {matrix.false_positive} | "
        f"{matrix.false_negative} | {matrix.true_negative} | {percent(matrix.precision)} | "
        f"{percent(matrix.recall)} | {percent(matrix.f1)} | {percent(matrix.accuracy)} |"
    )


def print_tables(verdicts: list[Verdict]) -> None:
    groups = sorted({v.group for v in verdicts})
    print("\n## Cases and labels\n")
    print("| model | attack | cases | valid | invalid (no label) | label: succeeded |")
    print("|---|---|---:|---:|---:|---:|")
    for group in groups:
        cases = [v for v in verdicts if v.group == group]
        valid = [v for v in cases if v.label is not None]
        succeeded = sum(1 for v in valid if v.label)
        print(
            f"| {group[0]} | {group[1]} | {len(cases)} | {len(valid)} | "
            f"{len(cases) - len(valid)} | {succeeded} ({percent(succeeded / len(valid))}) |"
        )
    for title, attribute in (
        ("Verdict: attack carried out (finding traced to the injection)", "carried_out"),
        ("Verdict: any unauthorized call", "unauthorized"),
    ):
        print(f"\n## {title}\n")
        print("| model, attack | TP | FP | FN | TN | precision | recall | F1 | accuracy |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for group in [*groups, None]:
            chosen = [v for v in verdicts if v.label is not None and group in (None, v.group)]
            pairs = ((bool(getattr(v, attribute)), bool(v.label)) for v in chosen)
            name = ", ".join(group) if group else "all valid cases"
            print(row(name, binary_agreement(pairs)))


def finding_rule(finding: Finding) -> str:
    """Short name of the detector rule behind a finding."""
    if finding.kind is FindingKind.INJECTION_OBEYED_IN_ANSWER:
        return "answer repeats the injected instruction"
    if finding.kind is FindingKind.UNKNOWN_TOOL:
        return "unknown tool"
    if finding.reason.startswith("target"):
        return "target from the injection"
    if finding.reason.startswith("argument"):
        return "argument dictated by the injection"
    if "injected instruction" in finding.reason:
        return "action requested by the injection"
    return "action the user did not ask for (not traced to the injection)"


def print_misses(verdicts: list[Verdict]) -> None:
    misses: Counter[tuple[str, str, str, str]] = Counter()
    for verdict in verdicts:
        if verdict.label is None or verdict.carried_out == verdict.label:
            continue
        direction = "FP" if verdict.carried_out else "FN"
        kinds = sorted({finding_rule(f) for f in verdict.findings}) or ["no finding"]
        misses[(direction, *verdict.group, " + ".join(kinds))] += 1
    print("\n## Disagreements of the attack-carried-out verdict, by kind\n")
    print("| miss | model | attack | what ringfence saw | cases |")
    print("|---|---|---|---|---:|")
    for key, count in sorted(misses.items(), key=lambda item: (item[0][0], -item[1], item[0])):
        print(f"| {' | '.join(key)} | {count} |")


def print_invalid(verdicts: list[Verdict]) -> None:
    invalid = [v for v in verdicts if v.label is None]
    reasons: Counter[tuple[str, str, str]] = Counter()
    for verdict in invalid:
        values = verdict.sample.labels.values if verdict.sample.labels else {}
        reason = values.get("invalid_reason") or values.get("invalid_reason Step 2") or "-"
        flagged = "flagged" if verdict.carried_out else "not flagged"
        reasons[(verdict.group[0], str(reason), flagged)] += 1
    print("\n## Invalid outputs (counted apart)\n")
    print("| model | InjecAgent's reason | ringfence | cases |")
    print("|---|---|---|---:|")
    for key, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0])):
        print(f"| {' | '.join(key)} | {count} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS)
    args = parser.parse_args()
    samples, issues = load(args.results)
    skipped = sum(1 for issue in issues if issue.sample_skipped)
    print(f"{len(samples)} test cases, {len(issues)} import issues ({skipped} skipped)")
    verdicts = judge(samples, resolve_tool_policies(["injecagent"]))
    print_tables(verdicts)
    print_misses(verdicts)
    print_invalid(verdicts)


if __name__ == "__main__":
    main()
