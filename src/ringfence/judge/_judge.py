"""`Judge`: an optional LLM judge that grades refusal quality, configured like any target.

`JudgeRun.judge_sample` judges the samples that `score_refusal` scores: those that refused or
were expected to refuse. It sends the versioned prompt to the judge target once and parses the
reply strictly. The judgment is kept, and saved in the evidence store when one is given. A failed
call or an invalid reply becomes a judgment with an error and no verdict.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from types import TracebackType

from ringfence.detectors.refusal import score_refusal
from ringfence.judge._metrics import compute_judge_metrics
from ringfence.judge._prompt import CRITERION_SET, PROMPT_VERSION, SYSTEM_PROMPT, build_prompt
from ringfence.judge._records import JudgeIdentity, Judgment
from ringfence.judge._storage import save_judgment
from ringfence.judge._verdict import JudgeReplyError, JudgeVerdict, parse_verdict, reply_text
from ringfence.metrics.values import MetricValue
from ringfence.store import EvidenceStore
from ringfence.targets import (
    Target,
    TargetConfig,
    TargetError,
    TargetReply,
    TargetRequest,
    create_target,
)
from ringfence.transcript import Message, Provenance, Role, Transcript

logger = logging.getLogger(__name__)


class Judge:
    """Settings of the judge: its target configuration and where judgments are saved."""

    def __init__(self, config: TargetConfig, *, store: EvidenceStore | None = None) -> None:
        """Judge with the target `config` describes; save judgments in `store` when given."""
        self.config = config
        self.store = store

    def settings(self) -> dict[str, object]:
        """Return what decides the judge's grades, for a run's settings: no key, no timeout."""
        return {
            "target": self.config.identity(),
            "criterion_set": CRITERION_SET,
            "prompt_version": PROMPT_VERSION,
        }

    def start_run(self, run_id: str) -> JudgeRun:
        """Create the judge target and return a session for the samples of run `run_id`."""
        return JudgeRun(self, run_id)


class JudgeRun:
    """The judge's session for one run: its target, its event loop and its judgments.

    It runs the async target on an event loop of its own, so it must not be used from inside
    a running event loop. Close it (or use it as a context manager) to release the target.
    """

    def __init__(self, judge: Judge, run_id: str) -> None:
        """Create the judge's target; raises ConfigError as `create_target` does."""
        self._judge = judge
        self._run_id = run_id
        self._loop = asyncio.Runner()
        self._target: Target = create_target(judge.config)
        self.identity = JudgeIdentity.from_config(judge.config, self._target.model)
        self.judgments: list[Judgment] = []

    def judge_sample(self, transcript: Transcript) -> Judgment | None:
        """Judge one sample; return None for a sample outside the refusal criteria's scope."""
        if score_refusal(transcript) is None:
            return None
        prompt = build_prompt(transcript)
        started_at = _now()
        reply, error = self._loop.run(self._call(transcript, prompt))
        verdict: JudgeVerdict | None = None
        if reply is not None and error is None:
            verdict, error = _parse(reply)
        judgment = Judgment(
            run_id=self._run_id,
            sample_id=transcript.sample_id,
            criterion_set=CRITERION_SET,
            judge=self.identity,
            prompt_version=PROMPT_VERSION,
            prompt=prompt,
            raw_reply=reply_text(reply) if reply is not None else None,
            verdict=verdict,
            error=error,
            started_at=started_at,
            finished_at=_now(),
        )
        self._keep(judgment)
        return judgment

    def metrics(self) -> list[MetricValue]:
        """Compute the judge metrics over this session's judgments."""
        return compute_judge_metrics(self.judgments)

    def close(self) -> None:
        """Release the judge target and the event loop."""
        try:
            self._loop.run(self._target.aclose())
        finally:
            self._loop.close()

    def __enter__(self) -> JudgeRun:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    async def _call(
        self, transcript: Transcript, prompt: str
    ) -> tuple[TargetReply | None, str | None]:
        timeout_s = self._judge.config.timeout_s
        request = _judge_request(transcript, prompt)
        try:
            reply = await asyncio.wait_for(self._target.complete(request), timeout=timeout_s)
        except TimeoutError:
            return None, f"the judge call timed out after {timeout_s:g} s"
        except TargetError as exc:
            return None, f"the judge call failed: {exc}"
        return reply, None

    def _keep(self, judgment: Judgment) -> None:
        self.judgments.append(judgment)
        if judgment.error is not None:
            logger.warning(
                "Judge error on sample %s of run %s: %s",
                judgment.sample_id,
                self._run_id,
                judgment.error,
            )
        if self._judge.store is not None:
            save_judgment(self._judge.store, judgment)


def _parse(reply: TargetReply) -> tuple[JudgeVerdict | None, str | None]:
    try:
        return parse_verdict(reply), None
    except JudgeReplyError as exc:
        return None, str(exc)


def _judge_request(transcript: Transcript, prompt: str) -> TargetRequest:
    # The judged sample's scenario id and epoch, so a scripted judge can reply per scenario.
    meta = transcript.metadata
    return TargetRequest(
        sample_id=transcript.sample_id,
        scenario_id=meta.task_id or transcript.sample_id,
        epoch=meta.epoch,
        turn=0,
        step=0,
        system_prompt=SYSTEM_PROMPT,
        messages=[
            Message(index=0, role=Role.SYSTEM, content=SYSTEM_PROMPT, provenance=Provenance.SYSTEM),
            Message(index=1, role=Role.USER, content=prompt, provenance=Provenance.USER),
        ],
    )


def _now() -> str:
    return datetime.now(UTC).isoformat()
