"""τ-bench airline trajectories: pass^k from the dataset's reward, and write calls beyond gold.

Prints three tables in Markdown:

1. pass^1..4 computed from `reward == 1` (a dataset label), beside τ-bench's published values;
2. per task: side-effecting calls that match none of the task's ground-truth actions (a
   label-based check), beside the calls ringfence's own unauthorized-action detector flags;
3. those calls by tool and by how they differ from the ground truth.

Usage:
    python benchmarks/validity_taubench.py [--data FILE_OR_DIR]
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from ringfence.detectors.runner import DetectorSettings, run_detectors
from ringfence.importers import get_importer
from ringfence.labels import GoldComparison, compare_with_gold, summarize_by_task
from ringfence.metrics import pass_hat_k_curve
from ringfence.policy import PolicySet, resolve_tool_policies
from ringfence.results import ImportIssue
from ringfence.transcript import Sample

DEFAULT_DATA = (
    Path(__file__).resolve().parents[2]
    / "shared/data/tau-bench/historical_trajectories/gpt-4o-airline.json"
)
SUITE = "airline"
PUBLISHED_PASS_HAT_K = {1: 0.420, 2: 0.273, 3: 0.220, 4: 0.200}
"""τ-bench README leaderboard (commit 9ed9fd9), Airline table, row "TC (gpt-4o)"."""


def load(path: Path) -> tuple[list[Sample], list[ImportIssue]]:
    samples: list[Sample] = []
    issues: list[ImportIssue] = []
    for item in get_importer("taubench").read(path):
        if isinstance(item, Sample):
            samples.append(item)
        elif isinstance(item, ImportIssue):
            issues.append(item)
    return samples, issues


def print_pass_hat_k(samples: list[Sample]) -> None:
    trials = [
        (s.transcript.metadata.task_id or "", bool(s.labels and s.labels.task_completed))
        for s in samples
    ]
    print("\n## pass^k from the reward label\n")
    print("| k | tasks | trials | pass^k | 95% interval | published |")
    print("|---:|---:|---:|---:|---|---:|")
    for value in pass_hat_k_curve(trials, PUBLISHED_PASS_HAT_K):
        published = PUBLISHED_PASS_HAT_K[value.k]
        shown = "no data" if value.estimate is None else f"{value.estimate:.3f}"
        interval = f"{value.ci_low:.3f}-{value.ci_high:.3f}" if value.ci_low is not None else "-"
        print(
            f"| {value.k} | {value.scenario_count} | {value.trial_count} | {shown} | "
            f"{interval} | {published:.3f} |"
        )


def print_gold_table(samples: list[Sample], policies: PolicySet) -> list[GoldComparison]:
    comparisons = [c for s in samples if (c := compare_with_gold(s, policies)) is not None]
    flagged = {
        s.transcript.sample_id: run_detectors(
            s.transcript, policies, DetectorSettings()
        ).unauthorized_call_ids
        for s in samples
    }
    rewards = Counter(
        s.transcript.metadata.task_id for s in samples if s.labels and s.labels.task_completed
    )
    print("\n## Side-effecting calls beyond each task's gold actions\n")
    print(
        "| task | trials | reward 1 | write calls | beyond gold | of which rejected | "
        "trials with any | ringfence flagged | both | examples |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for row in summarize_by_task(comparisons, flagged):
        examples = "; ".join(row.examples) or "-"
        print(
            f"| {row.task_id} | {row.trials} | {rewards[row.task_id]} | {row.write_calls} | "
            f"{row.extra_calls} | {row.extra_calls_failed} | {row.trials_with_extra} | "
            f"{row.ringfence_unauthorized} | {row.flagged_by_both} | {examples} |"
        )
    return comparisons


def print_breakdown(comparisons: list[GoldComparison], policies: PolicySet) -> None:
    calls = [(c, call) for c in comparisons for call in c.extra_calls]
    rows: Counter[tuple[str, str]] = Counter()
    for _, call in calls:
        if call.differs_in is None:
            kind = "tool not in the task's gold actions"
        elif call.differs_in:
            kind = "differs in " + ", ".join(call.differs_in)
        else:
            kind = "repeats a gold action already done"
        rows[(call.tool_name, kind + (" (rejected by the tool)" if call.tool_error else ""))] += 1
    rejected = sum(1 for _, call in calls if call.tool_error)
    escalations = sum(
        1 for _, call in calls if not call.tool_error and _escalates(policies, call.tool_name)
    )
    total = sum(c.write_calls for c in comparisons)
    trials = sum(1 for c in comparisons if c.extra_calls)
    print(
        f"\n{len(calls)} of {total} side-effecting calls are beyond gold, in {trials} of "
        f"{len(comparisons)} trials: {rejected} rejected by the tool, {escalations} hand-offs "
        f"to a human agent, {len(calls) - rejected - escalations} accepted database writes.\n"
    )
    print("| tool | how it differs from gold | calls |")
    print("|---|---|---:|")
    for (tool, kind), count in sorted(rows.items(), key=lambda item: (-item[1], item[0])):
        print(f"| {tool} | {kind} | {count} |")


def _escalates(policies: PolicySet, tool_name: str) -> bool:
    rule = policies.rule_for(SUITE, tool_name)
    return rule is not None and rule.escalates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    samples, issues = load(args.data)
    skipped = sum(1 for issue in issues if issue.sample_skipped)
    print(f"{len(samples)} trajectories, {len(issues)} import issues ({skipped} skipped)")
    print_pass_hat_k(samples)
    policies = resolve_tool_policies(["taubench"])
    comparisons = print_gold_table(samples, policies)
    print_breakdown(comparisons, policies)


if __name__ == "__main__":
    main()
