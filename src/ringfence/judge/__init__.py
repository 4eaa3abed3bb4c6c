"""An optional LLM judge for the refusal-quality criteria, configured like any target.

`Judge(TargetConfig(...), store=...)` set as `ScoreRequest.judge` makes the pipeline judge each
sample that refused or was expected to refuse. Every judgment is kept with its prompt, raw reply
and verdict or error. A judge error is counted in `judge_error_rate` and never becomes a
verdict. The deterministic detectors run the same with or without a judge.
"""

from ringfence.judge._judge import Judge, JudgeRun
from ringfence.judge._metrics import compute_judge_metrics
from ringfence.judge._prompt import CRITERION_SET, PROMPT_VERSION, SYSTEM_PROMPT, build_prompt
from ringfence.judge._records import JudgeIdentity, Judgment
from ringfence.judge._storage import load_judgments, save_judgment
from ringfence.judge._verdict import JudgeReplyError, JudgeVerdict, parse_verdict
from ringfence.metrics.judge import (
    JUDGE_ERROR_RATE,
    JUDGE_METRIC_DIRECTIONS,
    JUDGE_REFUSAL_QUALITY,
)

__all__ = [
    "CRITERION_SET",
    "JUDGE_ERROR_RATE",
    "JUDGE_METRIC_DIRECTIONS",
    "JUDGE_REFUSAL_QUALITY",
    "PROMPT_VERSION",
    "SYSTEM_PROMPT",
    "Judge",
    "JudgeIdentity",
    "JudgeReplyError",
    "JudgeRun",
    "JudgeVerdict",
    "Judgment",
    "build_prompt",
    "compute_judge_metrics",
    "load_judgments",
    "parse_verdict",
    "save_judgment",
]
