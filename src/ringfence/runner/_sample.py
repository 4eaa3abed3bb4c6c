"""Playing one sample: a scenario's turns against a target, tool calls through the World.

For each user turn the player sends the conversation to the target and runs the tool calls of
each reply until the target replies without tool calls. A reply that asks a question gets the
turn's scripted follow-up (`when_assistant_asks`) once. Stop notices are delivered before their
turn, or right after the k-th tool call of their turn. Tool calls of a reply that was cut off
(finish_reason 'length' or 'content_filter') are recorded and never run.

Target failures, a crashed tool and the sample's time limit end the sample with
`Transcript.error` set, an infrastructure error that the metrics count apart from safe and
unsafe.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from ringfence.runner._recorder import SampleRecorder
from ringfence.runner._retry import call_with_retries
from ringfence.runner._settings import RunSettings
from ringfence.runner._tool_calls import CallIds, to_tool_calls
from ringfence.scenarios import (
    Scenario,
    StopNotice,
    Suite,
    build_world,
    stop_notices,
    user_message,
)
from ringfence.targets import Target, TargetError, TargetReply, TargetRequest
from ringfence.transcript import Message, Provenance, Role, Transcript
from ringfence.world import ToolCrashError, World

logger = logging.getLogger(__name__)

TRUNCATED_EVENT = "response_truncated"
CONTENT_FILTERED_EVENT = "content_filtered"
STEP_LIMIT_EVENT = "step_limit_reached"
FOLLOW_UP_EVENT = "follow_up_sent"

# Finish reasons of a reply that did not end normally; its tool calls are never run.
_CUT_OFF = {"length": TRUNCATED_EVENT, "content_filter": CONTENT_FILTERED_EVENT}


def sample_id_of(scenario: Scenario, epoch: int) -> str:
    """Id of the sample of `scenario` in repeat `epoch`."""
    return f"{scenario.id}#{epoch}"


def asks_question(message: Message) -> bool:
    """True when an assistant reply without tool calls contains a question for the user.

    NOTE: this is a text heuristic (a question mark in the reply), so a rhetorical question
    also gets the scripted follow-up.
    """
    return "?" in (message.content or "")


async def play_sample(
    scenario: Scenario, suite: Suite, target: Target, settings: RunSettings, epoch: int
) -> Transcript:
    """Play one scenario once and return its transcript.

    A target failure, a crashed tool, the time limit or a runner bug sets `Transcript.error`
    instead of raising.
    """
    recorder = SampleRecorder(sample_id_of(scenario, epoch))
    world = build_world(scenario)
    player = _Player(scenario, target, settings, epoch, world, recorder)
    logger.info("Starting sample %s", recorder.sample_id)
    try:
        await asyncio.wait_for(player.play(), settings.sample_timeout_s)
    except TimeoutError:
        recorder.error = f"sample timed out after {settings.sample_timeout_s:g} s"
    except (TargetError, ToolCrashError) as exc:
        recorder.error = str(exc)
    except Exception as exc:
        logger.exception("Playing sample %s failed", recorder.sample_id)
        recorder.error = f"the runner failed: {type(exc).__name__}"
    if recorder.error is not None:
        logger.warning("Sample %s ended with an error: %s", recorder.sample_id, recorder.error)
    return recorder.transcript(scenario, suite, world, target.model, epoch)


class _Player:
    def __init__(
        self,
        scenario: Scenario,
        target: Target,
        settings: RunSettings,
        epoch: int,
        world: World,
        recorder: SampleRecorder,
    ) -> None:
        self.scenario = scenario
        self.target = target
        self.settings = settings
        self.epoch = epoch
        self.world = world
        self.recorder = recorder
        self.ids = CallIds()
        self.notices = stop_notices(scenario)

    async def play(self) -> None:
        self.recorder.add(Role.SYSTEM, self.scenario.system_prompt, Provenance.SYSTEM)
        turn_count = len(self.scenario.turns)
        for turn in range(turn_count):
            self._deliver(
                n for n in self.notices if n.at_turn == turn and n.after_tool_calls is None
            )
            self.recorder.add(Role.USER, user_message(self.scenario, turn), Provenance.USER)
            await self._answer(turn, self.scenario.turns[turn].when_assistant_asks)
        final = [n for n in self.notices if n.at_turn == turn_count and n.after_tool_calls is None]
        if final:
            self._deliver(final)
            await self._answer(turn_count, None)

    async def _answer(self, turn: int, follow_up: str | None) -> None:
        tool_calls_run = 0
        for step in range(self.settings.max_steps_per_turn):
            reply = await call_with_retries(
                self.target, self._request(turn, step), self.settings, self.recorder.events
            )
            message = self._record_reply(reply)
            if reply.finish_reason in _CUT_OFF:
                self._skip_calls(message, reply.finish_reason)
                return
            if not message.tool_calls:
                if follow_up is None or not asks_question(message):
                    return
                self.recorder.add(Role.USER, follow_up, Provenance.USER)
                self.recorder.event(FOLLOW_UP_EVENT, turn=turn)
                follow_up = None
                continue
            tool_calls_run = self._run_calls(message, turn, tool_calls_run)
        self.recorder.event(STEP_LIMIT_EVENT, turn=turn, limit=self.settings.max_steps_per_turn)

    def _request(self, turn: int, step: int) -> TargetRequest:
        return TargetRequest(
            sample_id=self.recorder.sample_id,
            scenario_id=self.scenario.id,
            epoch=self.epoch,
            turn=turn,
            step=step,
            system_prompt=self.scenario.system_prompt,
            # Targets only read the request; the callable target copies it for user code.
            messages=list(self.recorder.messages),
            tools=self.world.tool_definitions(),
        )

    def _record_reply(self, reply: TargetReply) -> Message:
        index = len(self.recorder.messages)
        calls, id_events = to_tool_calls(reply.tool_calls, self.ids, index)
        message = self.recorder.add(
            Role.ASSISTANT,
            reply.content,
            Provenance.ASSISTANT,
            tool_calls=calls,
            refusal=reply.refusal,
        )
        self.recorder.events += id_events
        return message

    def _skip_calls(self, message: Message, finish_reason: str | None) -> None:
        kind = _CUT_OFF[str(finish_reason)]
        self.recorder.event(kind, finish_reason=finish_reason, tool_calls=len(message.tool_calls))
        for call in message.tool_calls:
            self.recorder.add_not_run(
                call, f"the reply was cut off (finish_reason {finish_reason})"
            )

    def _run_calls(self, message: Message, turn: int, tool_calls_run: int) -> int:
        due: list[StopNotice] = []
        for call in message.tool_calls:
            outcome = self.world.call(
                call.name, call.arguments, call_id=call.id, message_index=message.index
            )
            self.recorder.add_tool_result(outcome)
            tool_calls_run += 1
            due += [
                n
                for n in self.notices
                if n.at_turn == turn and n.after_tool_calls == tool_calls_run
            ]
        # Notices wait until every call of the message has its result, because chat APIs
        # require the tool results to follow their assistant message directly.
        self._deliver(due)
        return tool_calls_run

    def _deliver(self, notices: Iterable[StopNotice]) -> None:
        for notice in notices:
            role = Role.USER if notice.channel == "user" else Role.SYSTEM
            provenance = Provenance.USER if notice.channel == "user" else Provenance.SYSTEM
            message = self.recorder.add(role, notice.text, provenance)
            self.recorder.events.append(self.world.request_shutdown(notice.text, message.index))
