"""Metric trends: each metric's value over the stored runs, oldest first.

One SQL statement does the work. It picks the latest runs that match the filters through the
runs index (target_name, suite_version, stored_at), then joins their metric values through the
metric_values index (run_id, metric, segment_key). The rings come from each run's stored
decisions, through the decisions primary key (run_id, gate_policy_sha256).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, Select, and_, exists, func, select

from ringfence.store import EvidenceStore, segment_key
from ringfence.store._schema import decisions, metric_values, runs

DEFAULT_LAST_RUNS = 20


class TrendQuery(BaseModel):
    """Filters of a trend: the metric and segment to follow, and the runs to include."""

    model_config = ConfigDict(extra="forbid")

    metric: str | None = Field(default=None, description="Metric name; None for every metric.")
    target_name: str | None = Field(default=None, description="Only runs of this target.")
    ring: str | None = Field(
        default=None, description="Only runs with a stored decision for this ring."
    )
    suite_version: str | None = Field(default=None, description="Only runs of this suite version.")
    segment: dict[str, str] = Field(
        default_factory=dict,
        description="Exact segment of the values; empty for the overall values.",
    )
    last: int | None = Field(
        default=DEFAULT_LAST_RUNS,
        ge=1,
        description="Latest matching runs to include; None for all of them.",
    )


class TrendPoint(BaseModel):
    """One metric value of one run."""

    model_config = ConfigDict(extra="forbid")

    run_id: str = Field(description="Run id.")
    stored_at: str = Field(description="ISO 8601 time (UTC) the run was stored.")
    target_name: str | None = Field(description="Target of the run.")
    target_version: str | None = Field(description="Target version of the run.")
    suite_version: str | None = Field(description="Suite version of the run.")
    rings: list[str] = Field(description="Rings of the run's stored decisions, sorted.")
    metric: str = Field(description="Metric name.")
    segment: dict[str, str] = Field(description="Segment; empty for the overall value.")
    status: str = Field(description="'ok', or 'no_data' when the denominator is 0.")
    estimate: float | None = Field(description="Point estimate; None without data.")
    ci_low: float | None = Field(description="Wilson 95% interval, lower bound.")
    ci_high: float | None = Field(description="Wilson 95% interval, upper bound.")
    numerator: int = Field(description="Trials meeting the metric's condition.")
    denominator: int = Field(description="Trials.")
    sample_count: int = Field(description="Distinct samples behind the trials.")


def trend_statement(query: TrendQuery) -> Select[Any]:
    """Build the SQL statement of a trend query."""
    recent = _recent_runs(query).subquery("recent")
    ring_list = (
        select(func.aggregate_strings(decisions.c.ring, ","))
        .where(decisions.c.run_id == recent.c.run_id, decisions.c.ring.is_not(None))
        .scalar_subquery()
    )
    statement = (
        select(
            recent.c.run_id,
            recent.c.stored_at,
            recent.c.target_name,
            recent.c.target_version,
            recent.c.suite_version,
            ring_list.label("rings"),
            metric_values.c.metric,
            metric_values.c.segment,
            metric_values.c.status,
            metric_values.c.estimate,
            metric_values.c.ci_low,
            metric_values.c.ci_high,
            metric_values.c.numerator,
            metric_values.c.denominator,
            metric_values.c.sample_count,
        )
        .join(metric_values, metric_values.c.run_id == recent.c.run_id)
        .where(*_value_filters(query))
        .order_by(recent.c.stored_at, recent.c.run_id, metric_values.c.position)
    )
    return statement


def query_trend(store: EvidenceStore, query: TrendQuery) -> list[TrendPoint]:
    """Return the metric values of the latest matching runs, oldest run first."""
    with store.reading("Reading metric trends") as conn:
        rows = conn.execute(trend_statement(query)).mappings().all()
    return [_point(row) for row in rows]


def _recent_runs(query: TrendQuery) -> Select[Any]:
    filters: list[ColumnElement[bool]] = []
    if query.target_name is not None:
        filters.append(runs.c.target_name == query.target_name)
    if query.suite_version is not None:
        filters.append(runs.c.suite_version == query.suite_version)
    if query.ring is not None:
        filters.append(
            exists().where(decisions.c.run_id == runs.c.run_id, decisions.c.ring == query.ring)
        )
    # Runs without a matching value would only take places among the latest N.
    filters.append(
        exists().where(and_(metric_values.c.run_id == runs.c.run_id, *_value_filters(query)))
    )
    recent = (
        select(
            runs.c.run_id,
            runs.c.stored_at,
            runs.c.target_name,
            runs.c.target_version,
            runs.c.suite_version,
        )
        .where(*filters)
        .order_by(runs.c.stored_at.desc(), runs.c.run_id.desc())
    )
    return recent.limit(query.last) if query.last is not None else recent


def _value_filters(query: TrendQuery) -> list[ColumnElement[bool]]:
    filters = [metric_values.c.segment_key == segment_key(query.segment)]
    if query.metric is not None:
        filters.append(metric_values.c.metric == query.metric)
    return filters


def _point(row: Any) -> TrendPoint:
    rings = sorted(set(row["rings"].split(","))) if row["rings"] else []
    return TrendPoint.model_validate({**dict(row), "rings": rings})
