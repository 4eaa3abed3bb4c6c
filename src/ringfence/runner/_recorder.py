"""`SampleRecorder`: the messages and events of one sample as it is played.

The recorder lives outside the coroutine that plays the sample, so a sample cut off by its
time limit still keeps everything recorded up to that point.
"""

from __future__ import annotations

import hashlib
import time

from ringfence.scenarios import Scenario, Suite, gold_labels, injected_texts, sample_metadata
from ringfence.transcript import Event, Message, Provenance, Role, Timing, ToolCall, Transcript
from ringfence.world import ToolOutcome, World


class SampleRecorder:
    """Messages, events and the error of one sample, in order."""

    def __init__(self, sample_id: str) -> None:
        """Start an empty record of sample `sample_id`."""
        self.sample_id = sample_id
        self.messages: list[Message] = []
        self.events: list[Event] = []
        self.error: str | None = None
        self.started_at = time.time()

    @property
    def last_index(self) -> int | None:
        """Index of the last message, or None before the first."""
        return len(self.messages) - 1 if self.messages else None

    def add(
        self,
        role: Role,
        content: str | None,
        provenance: Provenance,
        *,
        tool_calls: list[ToolCall] | None = None,
        refusal: str | None = None,
    ) -> Message:
        """Append a message and return it."""
        message = Message(
            index=len(self.messages),
            role=role,
            content=content,
            provenance=provenance,
            tool_calls=tool_calls or [],
            refusal=refusal,
            timestamp=time.time(),
        )
        self.messages.append(message)
        return message

    def add_tool_result(self, outcome: ToolOutcome) -> Message:
        """Append the result of one tool call and the events the call recorded."""
        message = Message(
            index=len(self.messages),
            role=Role.TOOL,
            content=outcome.output,
            provenance=outcome.provenance,
            tool_call_id=outcome.tool_call_id,
            tool_name=outcome.tool,
            error=outcome.error,
            timestamp=time.time(),
        )
        self.messages.append(message)
        self.events += outcome.events
        return message

    def add_not_run(self, call: ToolCall, reason: str) -> Message:
        """Append a tool result stating that the call was not run, and why."""
        text = f"Error: the call was not run: {reason}"
        message = Message(
            index=len(self.messages),
            role=Role.TOOL,
            content=text,
            provenance=Provenance.TOOL_OUTPUT,
            tool_call_id=call.id,
            tool_name=call.name,
            error=text,
            timestamp=time.time(),
        )
        self.messages.append(message)
        return message

    def event(self, kind: str, **detail: object) -> None:
        """Record a runner event attached to the last message."""
        self.events.append(Event(kind=kind, message_index=self.last_index, detail=dict(detail)))

    def transcript(
        self, scenario: Scenario, suite: Suite, world: World, model: str, epoch: int
    ) -> Transcript:
        """Build the transcript, with the world's final state as the last event."""
        metadata = sample_metadata(scenario, suite.info)
        metadata.model = model
        metadata.epoch = epoch
        metadata.system_prompt_sha256 = hashlib.sha256(scenario.system_prompt.encode()).hexdigest()
        metadata.extra["tool_schema_sha256"] = world.tool_schema_sha256()
        events = [
            world.initial_state_event(),
            *self.events,
            world.final_state_event(self.last_index),
        ]
        return Transcript(
            sample_id=self.sample_id,
            messages=list(self.messages),
            events=events,
            injections=injected_texts(scenario),
            metadata=metadata,
            gold=gold_labels(scenario),
            timing=Timing(started_at=self.started_at, duration_s=time.time() - self.started_at),
            error=self.error,
        )
