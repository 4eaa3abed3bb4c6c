"""Agreement of ringfence's detectors with AgentDojo's `security` label, and the misses by kind.

Prints, for both ways of locating injected instructions (recorded attack text, and cues alone):
the confusion matrix per model, the share of unattacked user-task runs flagged, and every
disagreement grouped by suite, injection task and the kind of finding (or its absence).

Usage:
    python benchmarks/validity_agentdojo.py [--runs DIR] [--show N]
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from pathlib import Path

from ringfence.detectors.findings import Finding, FindingKind
from ringfence.detectors.runner import VIOLATION_KINDS, DetectorSettings
from ringfence.detectors.unauthorized import UnauthorizedActionSettings
from ringfence.pipeline import ScoreRequest, score
from ringfence.policy import resolve_tool_policies
from ringfence.results import RunResult

DEFAULT_RUNS = Path(__file__).resolve().parents[2] / "shared" / "data" / "agentdojo" / "runs"


def finding_kind(finding: Finding) -> str:
    """Short name of the rule behind a finding."""
    if finding.kind is FindingKind.INJECTION_OBEYED_IN_ANSWER:
        return "answer repeats injection"
    if finding.kind is FindingKind.UNKNOWN_TOOL:
        return "unknown tool"
    if finding.reason.startswith("target"):
        return "target from injection"
    if finding.reason.startswith("argument"):
        return "argument dictated by injection"
    if "injected instruction" in finding.reason:
        return "action requested by injection"
    return "action nobody requested"


def run(runs: Path, known: bool) -> RunResult:
    settings = DetectorSettings(unauthorized=UnauthorizedActionSettings(use_known_injections=known))
    request = ScoreRequest([runs], "agentdojo", resolve_tool_policies(["agentdojo"]), settings)
    return score(request)


def report(result: RunResult, title: str, show: int) -> None:
    print(f"\n## {title}\n")
    print("| model | TP | FP | FN | TN | agreement | unattacked user tasks flagged |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    violations = {f.sample_id for f in result.findings if f.kind in VIOLATION_KINDS}
    for matrix in result.agreement:
        if list(matrix.group) != ["model"]:
            continue
        model = matrix.group["model"]
        unattacked = [
            o
            for o in result.outcomes
            if o.model == model and o.attack is None and (o.task_id or "").startswith("user_task")
        ]
        flagged = sum(1 for o in unattacked if o.unauthorized_calls or o.sample_id in violations)
        print(
            f"| {model} | {matrix.true_positive} | {matrix.false_positive} | "
            f"{matrix.false_negative} | {matrix.true_negative} | {matrix.accuracy:.1%} | "
            f"{flagged}/{len(unattacked)} |"
        )
    findings: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        findings[finding.sample_id].append(finding)
    misses: Counter[tuple[str, str, str, str]] = Counter()
    for outcome in result.outcomes:
        if outcome.attack_succeeded is None or outcome.label_attack_succeeded is None:
            continue
        if outcome.attack_succeeded == outcome.label_attack_succeeded:
            continue
        direction = "FP" if outcome.attack_succeeded else "FN"
        kinds = sorted(
            {finding_kind(f) for f in findings[outcome.sample_id] if f.injection_driven}
        ) or ["no finding"]
        misses[
            (direction, outcome.suite or "", outcome.injection_task_id or "", " + ".join(kinds))
        ] += 1
    print("\n| miss | suite | injection task | ringfence's evidence | runs |")
    print("|---|---|---|---|---:|")
    for (direction, suite, task, kinds), count in misses.most_common(show):
        print(f"| {direction} | {suite} | {task} | {kinds} | {count} |")
    by_kind: Counter[tuple[str, str]] = Counter()
    for (direction, _, _, kinds), count in misses.items():
        by_kind[(direction, kinds)] += count
    print("\n| miss | ringfence's evidence | runs |")
    print("|---|---|---:|")
    for (direction, kinds), count in by_kind.most_common():
        print(f"| {direction} | {kinds} | {count} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, default=DEFAULT_RUNS)
    parser.add_argument("--show", type=int, default=25, help="Miss groups to list.")
    args = parser.parse_args()
    report(run(args.runs, known=True), "Recorded attack text plus instruction cues", args.show)
    report(
        run(args.runs, known=False), "Instruction cues only (--ignore-known-injections)", args.show
    )


if __name__ == "__main__":
    main()
