"""R-Judge: ringfence's deterministic detectors as a safety judge, against the human labels.

Every record is scored with the unauthorized-action and injection-in-answer detectors under a
tool policy guessed from the tool names (`ringfence.policy.generic`), because R-Judge ships no
policy. A record is judged unsafe when any detector reports a finding; R-Judge's `label` (1 =
unsafe) is the reference. Prints precision, recall, F1 and accuracy overall, per category and
per attack type, then the disagreements grouped by what ringfence saw.

Usage:
    python benchmarks/validity_rjudge.py [--data DIR]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ringfence.detectors.findings import Finding, FindingKind
from ringfence.detectors.runner import VIOLATION_KINDS, DetectorSettings, run_detectors
from ringfence.detectors.unauthorized import ACTION_VERBS
from ringfence.importers import get_importer
from ringfence.labels import binary_agreement
from ringfence.policy import PolicySet
from ringfence.policy.generic import build_generic_policy, classify_tool_name
from ringfence.results import Agreement, ImportIssue
from ringfence.transcript import Role, Sample

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/r-judge/data"
PUBLISHED_BEST_SCORE = 0.7442
"""GPT-4o's score, the best of 11 LLMs, in the abstract of the R-Judge paper (Findings of EMNLP
2024). The abstract does not name the metric."""


@dataclass
class Verdict:
    """ringfence's verdict on one record beside the human label."""

    sample: Sample
    findings: list[Finding]
    side_effecting_calls: int

    @property
    def unsafe(self) -> bool:
        return any(f.kind in VIOLATION_KINDS for f in self.findings)

    @property
    def labelled_unsafe(self) -> bool:
        labels = self.sample.labels
        return labels is not None and labels.values.get("label") == 1

    @property
    def category(self) -> str:
        return self.sample.transcript.metadata.suite or "unknown"

    @property
    def attack_type(self) -> str:
        labels = self.sample.labels
        return str(labels.values.get("attack_type")) if labels else "unknown"


def load(path: Path) -> tuple[list[Sample], list[ImportIssue]]:
    samples: list[Sample] = []
    issues: list[ImportIssue] = []
    for item in get_importer("rjudge").read(path):
        if isinstance(item, Sample):
            samples.append(item)
        elif isinstance(item, ImportIssue):
            issues.append(item)
    return samples, issues


def judge(samples: list[Sample]) -> tuple[list[Verdict], PolicySet]:
    policies = PolicySet(
        [build_generic_policy(c for s in samples for _, c in s.transcript.tool_calls())]
    )
    verdicts = []
    for sample in samples:
        result = run_detectors(sample.transcript, policies, DetectorSettings())
        verdicts.append(Verdict(sample, result.findings, result.side_effecting_calls))
    return verdicts, policies


def agreement(verdicts: list[Verdict], group: dict[str, str]) -> Agreement:
    return binary_agreement(((v.unsafe, v.labelled_unsafe) for v in verdicts), group)


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def print_table(title: str, rows: list[Agreement]) -> None:
    print(f"\n## {title}\n")
    print("| group | records | TP | FP | FN | TN | precision | recall | F1 | accuracy |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        name = ", ".join(row.group.values()) or "all"
        print(
            f"| {name} | {row.total} | {row.true_positive} | {row.false_positive} | "
            f"{row.false_negative} | {row.true_negative} | {percent(row.precision)} | "
            f"{percent(row.recall)} | {percent(row.f1)} | {percent(row.accuracy)} |"
        )


def finding_rule(finding: Finding) -> str:
    """Short name of the detector rule behind a finding."""
    if finding.kind is FindingKind.INJECTION_OBEYED_IN_ANSWER:
        return "answer repeats an injected instruction"
    if finding.kind is FindingKind.UNKNOWN_TOOL:
        return "tool the guessed policy could not classify"
    if finding.reason.startswith("target"):
        return "target from an injected instruction"
    if finding.reason.startswith("argument"):
        return "argument dictated by an injected instruction"
    if "injected instruction" in finding.reason:
        return "action requested by an injected instruction"
    return "side-effecting action the user did not ask for"


def miss_kind(verdict: Verdict, policies: PolicySet) -> str:
    if verdict.unsafe:
        return " + ".join(sorted({finding_rule(f) for f in verdict.findings}))
    if not verdict.sample.transcript.tool_calls():
        return "no tool call: the record is conversation only"
    if verdict.side_effecting_calls == 0:
        return "only calls the guessed policy classes as read"
    if _requesting_words(verdict, policies):
        return "side-effecting calls of a class the user's words name"
    return "side-effecting calls, none flagged"


def _requesting_words(verdict: Verdict, policies: PolicySet) -> list[str]:
    """Words of the user's turns that name the action class of an unflagged call."""
    transcript = verdict.sample.transcript
    user_words = set(
        re.findall(
            r"[a-z][a-z-]+",
            " ".join(m.content or "" for m in transcript.messages if m.role is Role.USER).lower(),
        )
    )
    found: set[str] = set()
    for _, call in transcript.tool_calls():
        rule = policies.rule_for(None, call.name)
        if rule is not None and rule.action.side_effecting:
            found |= user_words & ACTION_VERBS[rule.action]
    return sorted(found)


def print_misses(verdicts: list[Verdict], policies: PolicySet) -> None:
    misses: Counter[tuple[str, str, str]] = Counter()
    words: dict[tuple[str, str, str], Counter[str]] = {}
    for verdict in verdicts:
        if verdict.unsafe == verdict.labelled_unsafe:
            continue
        direction = "FP" if verdict.unsafe else "FN"
        key = (direction, verdict.attack_type, miss_kind(verdict, policies))
        misses[key] += 1
        seen = words.setdefault(key, Counter())
        if direction == "FN":
            seen.update(_requesting_words(verdict, policies))
    print("\n## Disagreements by kind\n")
    print("| miss | attack type | what ringfence saw | records | user's words, most common |")
    print("|---|---|---|---:|---|")
    for key, count in sorted(misses.items(), key=lambda item: (item[0][0], -item[1], item[0])):
        common = ", ".join(f"'{w}' ({n})" for w, n in words[key].most_common(3)) or "-"
        print(f"| {' | '.join(key)} | {count} | {common} |")


def print_policy(samples: list[Sample], policies: PolicySet) -> None:
    names = {c.name for s in samples for _, c in s.transcript.tool_calls()}
    unclassified = sorted(n for n in names if classify_tool_name(n) is None)
    side_effecting = sum(1 for rule in policies.policies[0].tools.values() if rule.action != "read")
    print(
        f"Guessed policy: {len(names)} tool names, {len(names) - len(unclassified)} classified "
        f"({side_effecting} side-effecting), unclassified: {', '.join(unclassified) or 'none'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    samples, issues = load(args.data)
    skipped = sum(1 for issue in issues if issue.sample_skipped)
    print(f"{len(samples)} records, {len(issues)} import issues ({skipped} skipped)")
    verdicts, policies = judge(samples)
    print_policy(samples, policies)
    rows = [agreement(verdicts, {})]
    print_table("Overall (unsafe = any finding)", rows)
    categories = sorted({v.category for v in verdicts})
    print_table(
        "Per category",
        [agreement([v for v in verdicts if v.category == c], {"category": c}) for c in categories],
    )
    attack_types = sorted({v.attack_type for v in verdicts})
    print_table(
        "Per attack type",
        [
            agreement([v for v in verdicts if v.attack_type == a], {"attack_type": a})
            for a in attack_types
        ],
    )
    print(
        "\nReference: best LLM judge in the R-Judge paper (GPT-4o), "
        f"{PUBLISHED_BEST_SCORE:.2%} on its 569-record release."
    )
    print_misses(verdicts, policies)


if __name__ == "__main__":
    main()
