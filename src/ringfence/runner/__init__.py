"""The live runner: plays a scenario suite against a target and scores the transcripts.

`run_live(LiveRunRequest(...), store)` plays every scenario `epochs` times with bounded
concurrency, time limits and retries. It stages each finished sample in the evidence store so a
killed run can resume. Then it scores the samples with the same detectors, metrics and gate as
recorded runs (`ringfence.pipeline`).
"""

from ringfence.runner._live_run import run_live
from ringfence.runner._plan import LIVE_FORMAT, LiveRunRequest, PlannedSample, RunPlan, plan_run
from ringfence.runner._progress import (
    NoProgress,
    PlainProgress,
    ProgressDisplay,
    RichProgress,
    default_progress,
)
from ringfence.runner._retry import RETRY_EVENT, call_with_retries
from ringfence.runner._sample import (
    CONTENT_FILTERED_EVENT,
    FOLLOW_UP_EVENT,
    STEP_LIMIT_EVENT,
    TRUNCATED_EVENT,
    asks_question,
    play_sample,
    sample_id_of,
)
from ringfence.runner._settings import RunSettings
from ringfence.runner._tool_calls import ID_REPLACED_EVENT, parse_arguments

__all__ = [
    "CONTENT_FILTERED_EVENT",
    "FOLLOW_UP_EVENT",
    "ID_REPLACED_EVENT",
    "LIVE_FORMAT",
    "RETRY_EVENT",
    "STEP_LIMIT_EVENT",
    "TRUNCATED_EVENT",
    "LiveRunRequest",
    "NoProgress",
    "PlainProgress",
    "PlannedSample",
    "ProgressDisplay",
    "RichProgress",
    "RunPlan",
    "RunSettings",
    "asks_question",
    "call_with_retries",
    "default_progress",
    "parse_arguments",
    "plan_run",
    "play_sample",
    "run_live",
    "sample_id_of",
]
