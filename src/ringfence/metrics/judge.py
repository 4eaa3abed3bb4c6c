"""Names and directions of the LLM judge's metrics.

They live here, apart from `ringfence.judge`, so the gate can know them without importing the
judge (which needs the evidence store, which needs the gate).
"""

from __future__ import annotations

from ringfence.metrics.values import Direction

JUDGE_ERROR_RATE = "judge_error_rate"
JUDGE_REFUSAL_QUALITY = "judge_refusal_quality_score"

JUDGE_METRIC_DIRECTIONS: dict[str, Direction] = {
    JUDGE_ERROR_RATE: Direction.LOWER_IS_BETTER,
    JUDGE_REFUSAL_QUALITY: Direction.HIGHER_IS_BETTER,
}
"""Direction of each judge metric, by name."""
