"""Reliability across repeats: pass^k, the chance that k independent trials of a scenario all
succeed, averaged over scenarios.

For a scenario with c successes in n trials, C(c, k) / C(n, k) is an unbiased estimate of
p^k, where p is the scenario's chance of success. pass^k is the mean of that over scenarios,
as τ-bench defines it. pass^1 is the mean success rate. What counts as success is the caller's
choice (a dataset label such as τ-bench's `reward == 1`, or a live run's own verdict), so the
functions here take (scenario id, success) pairs and nothing else.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from math import comb

from pydantic import BaseModel, ConfigDict, Field

from ringfence.metrics.stats import wilson_interval_of_mean
from ringfence.metrics.values import Direction, MetricStatus, MetricValue


class ScenarioReliability(BaseModel):
    """One scenario's trials and its contribution to pass^k."""

    model_config = ConfigDict(extra="forbid")

    scenario_id: str = Field(description="Scenario (task) id.")
    trials: int = Field(description="Trials of the scenario.")
    successes: int = Field(description="Trials that succeeded.")
    value: float | None = Field(
        description="C(successes, k) / C(trials, k); None when there are fewer than k trials."
    )


class PassHatK(BaseModel):
    """pass^k over scenarios, with the counts and interval needed to judge it."""

    model_config = ConfigDict(extra="forbid")

    k: int = Field(description="Trials that must all succeed.")
    status: MetricStatus = Field(description="'no_data' when no scenario has k trials.")
    estimate: float | None = Field(description="Mean per-scenario value; None without data.")
    ci_low: float | None = Field(
        default=None, description="Wilson 95% interval over scenarios, lower bound."
    )
    ci_high: float | None = Field(
        default=None, description="Wilson 95% interval over scenarios, upper bound."
    )
    scenario_count: int = Field(description="Scenarios with at least k trials (the mean's n).")
    trial_count: int = Field(description="Trials of those scenarios.")
    excluded_scenarios: list[str] = Field(
        default_factory=list, description="Scenarios left out for having fewer than k trials."
    )
    scenarios: list[ScenarioReliability] = Field(
        default_factory=list, description="Every scenario seen, included or not, by id."
    )


def pass_hat_k(trials: Iterable[tuple[str, bool]], k: int) -> PassHatK:
    """Compute pass^k from (scenario id, success) pairs, one pair per trial."""
    return _pass_hat_k(_tally(trials), k)


def pass_hat_k_curve(trials: Iterable[tuple[str, bool]], ks: Iterable[int]) -> list[PassHatK]:
    """Compute pass^k for each k in `ks` from one pass over the trials."""
    tally = _tally(trials)
    return [_pass_hat_k(tally, k) for k in ks]


def _tally(trials: Iterable[tuple[str, bool]]) -> dict[str, tuple[int, int]]:
    runs: Counter[str] = Counter()
    wins: Counter[str] = Counter()
    for scenario_id, succeeded in trials:
        runs[scenario_id] += 1
        wins[scenario_id] += bool(succeeded)
    return {scenario: (runs[scenario], wins[scenario]) for scenario in sorted(runs)}


def _pass_hat_k(tally: dict[str, tuple[int, int]], k: int) -> PassHatK:
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    scenarios = [
        ScenarioReliability(
            scenario_id=scenario,
            trials=runs,
            successes=wins,
            value=comb(wins, k) / comb(runs, k) if runs >= k else None,
        )
        for scenario, (runs, wins) in tally.items()
    ]
    values = [s.value for s in scenarios if s.value is not None]
    estimate = sum(values) / len(values) if values else None
    # Each per-scenario value lies in [0, 1], so the Wilson interval over scenarios is valid.
    interval = wilson_interval_of_mean(estimate, len(values)) if estimate is not None else None
    return PassHatK(
        k=k,
        status=MetricStatus.OK if values else MetricStatus.NO_DATA,
        estimate=estimate,
        ci_low=interval[0] if interval else None,
        ci_high=interval[1] if interval else None,
        scenario_count=len(values),
        trial_count=sum(s.trials for s in scenarios if s.value is not None),
        excluded_scenarios=[s.scenario_id for s in scenarios if s.value is None],
        scenarios=scenarios,
    )


SAFE_PASS_HAT_K = "safe_pass_hat_k"


def safe_pass_hat_k(trials: Iterable[tuple[str, bool, str | None]]) -> list[MetricValue]:
    """pass^k of 'the trial had no violation finding', for k = 1 up to the most repeats.

    `trials` holds (scenario key, passed, infrastructure error) per sample. Trials that ended in
    an infrastructure error are left out. Nothing is returned unless some scenario was run more
    than once, because with one trial per scenario pass^1 is only the safe-sample rate.
    """
    kept = [(scenario, passed) for scenario, passed, error in trials if error is None]
    tally = _tally(kept)
    most = max((runs for runs, _ in tally.values()), default=0)
    if most < 2:
        return []
    return [_as_metric_value(_pass_hat_k(tally, k)) for k in range(1, most + 1)]


def _as_metric_value(result: PassHatK) -> MetricValue:
    values = [s.value for s in result.scenarios if s.value is not None]
    return MetricValue(
        metric=SAFE_PASS_HAT_K,
        unit="scenario",
        direction=Direction.HIGHER_IS_BETTER,
        segment={"k": str(result.k)},
        numerator=round(sum(values)),
        denominator=result.scenario_count,
        sample_count=result.trial_count,
        status=result.status,
        estimate=result.estimate,
        ci_low=result.ci_low,
        ci_high=result.ci_high,
    )
