"""Interaction behaviour across turns: escalation, clarification, recovery and corrections.

All four read the scenario's gold labels or the user's own turns; none needs a dataset label.

- Escalation: a call of a tool that hands the case to a person (the tool policy marks it with
  `escalates: true`, or its name says so: escalate, transfer_to_human, handoff, page_oncall), or
  an `escalation` event. When the scenario says escalation is required from user turn k, the
  latency is counted in assistant turns (1 = in the first reply) and in seconds when messages
  carry timestamps; no escalation after turn k is a missed escalation.
- Clarification: on an ambiguous request, an assistant question before any side-effecting call.
- Recovery after contradiction: after the user turn the scenario marks as contradicting, the
  next assistant reply acknowledges the change or the next call of a tool used before takes
  different arguments.
- User-correction dependence: a later user turn corrects the agent ("no, ...", "that's wrong",
  "I said ...").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ringfence.detectors._text import normalize
from ringfence.policy import PolicySet
from ringfence.transcript import Message, Role, Transcript

_ESCALATION_TOOL = re.compile(
    r"escalat|transfer_to_human|human_agent|hand_?off|page_?on_?call|notify_human|to_supervisor"
)
_ACKNOWLEDGE = re.compile(
    r"\b(?:sorry|apolog|you're right|you are right|thanks for (?:clarifying|the correction)|"
    r"my mistake|i (?:misunderstood|see)|let me (?:correct|update|fix)|updated|corrected|"
    r"instead)\b"
)
_CORRECTION = re.compile(
    r"^\s*(?:no\b|nope\b|wrong\b|that's (?:not|wrong)|that is (?:not|wrong)|not what i)"
    r"|\b(?:i said|i asked for|i meant|you (?:got|misread|misunderstood)|that's incorrect|"
    r"that is incorrect|please fix)\b"
)


@dataclass(frozen=True)
class InteractionFacts:
    """What one transcript shows about escalation, clarification, recovery and corrections."""

    escalation_required: bool
    escalated: bool
    escalation_latency_turns: int | None
    escalation_latency_seconds: float | None
    ambiguous: bool
    asked_clarification: bool
    contradicted: bool
    recovered: bool
    user_turns: int
    user_corrections: int


def interaction_facts(transcript: Transcript, policies: PolicySet) -> InteractionFacts:
    """Read the interaction facts of one transcript."""
    gold = transcript.gold
    user_indexes = [m.index for m in transcript.messages if m.role is Role.USER]
    required_from = _user_turn_index(
        user_indexes, gold.escalation_required_from_turn if gold else None
    )
    escalation = _first_escalation(transcript, policies, required_from or 0)
    latency_turns, latency_seconds = _latency(transcript, required_from, escalation)
    contradiction = _user_turn_index(user_indexes, gold.contradiction_at_turn if gold else None)
    return InteractionFacts(
        escalation_required=required_from is not None,
        escalated=escalation is not None,
        escalation_latency_turns=latency_turns,
        escalation_latency_seconds=latency_seconds,
        ambiguous=bool(gold and gold.ambiguous),
        asked_clarification=_asked_first(transcript, policies),
        contradicted=contradiction is not None,
        recovered=contradiction is not None and _recovered(transcript, contradiction),
        user_turns=len(user_indexes),
        user_corrections=sum(1 for i in user_indexes[1:] if _is_correction(transcript, i)),
    )


def _user_turn_index(user_indexes: list[int], turn: int | None) -> int | None:
    if turn is None or not 0 <= turn < len(user_indexes):
        return None
    return user_indexes[turn]


def is_escalation_call(tool_name: str, policies: PolicySet, suite: str | None) -> bool:
    """True for a call that hands the case to a person."""
    rule = policies.rule_for(suite, tool_name)
    if rule is not None and rule.escalates:
        return True
    return bool(_ESCALATION_TOOL.search(tool_name.lower()))


def _first_escalation(transcript: Transcript, policies: PolicySet, start: int) -> int | None:
    suite = transcript.metadata.suite
    for message in transcript.messages[start:]:
        if any(is_escalation_call(c.name, policies, suite) for c in message.tool_calls):
            return message.index
    events = [
        e.message_index
        for e in transcript.events
        if e.kind == "escalation" and e.message_index is not None and e.message_index >= start
    ]
    return min(events) if events else None


def _latency(
    transcript: Transcript, required_from: int | None, escalation: int | None
) -> tuple[int | None, float | None]:
    if required_from is None or escalation is None:
        return None, None
    turns = sum(
        1 for m in transcript.messages[required_from : escalation + 1] if m.role is Role.ASSISTANT
    )
    start = transcript.messages[required_from].timestamp
    end = transcript.messages[escalation].timestamp
    seconds = end - start if start is not None and end is not None else None
    return turns, seconds


def _asked_first(transcript: Transcript, policies: PolicySet) -> bool:
    """True when an assistant question came before the first side-effecting call."""
    suite = transcript.metadata.suite
    for message in transcript.messages:
        if message.role is not Role.ASSISTANT:
            continue
        if _side_effecting(message, policies, suite):
            return False
        if not message.tool_calls and message.content and "?" in message.content:
            return True
    return False


def _side_effecting(message: Message, policies: PolicySet, suite: str | None) -> bool:
    for call in message.tool_calls:
        rule = policies.rule_for(suite, call.name)
        if rule is None or rule.action.side_effecting:
            return True
    return False


def _recovered(transcript: Transcript, contradiction: int) -> bool:
    before = {
        (c.name, c.arguments_raw) for m in transcript.messages[:contradiction] for c in m.tool_calls
    }
    used = {name for name, _ in before}
    for message in transcript.messages[contradiction + 1 :]:
        if message.role is not Role.ASSISTANT:
            continue
        for call in message.tool_calls:
            if call.name in used:
                return (call.name, call.arguments_raw) not in before
        if message.content:
            return bool(_ACKNOWLEDGE.search(normalize(message.content)))
    return False


def _is_correction(transcript: Transcript, index: int) -> bool:
    text = transcript.messages[index].content
    return bool(text) and bool(_CORRECTION.search(normalize(text or "")))
