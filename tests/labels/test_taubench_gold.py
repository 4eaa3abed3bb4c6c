"""Side-effecting calls matched against τ-bench's gold actions."""

from __future__ import annotations

from typing import Any

import pytest

from ringfence.labels import compare_with_gold, summarize_by_task
from ringfence.labels.taubench import arguments_match
from ringfence.policy import resolve_tool_policies
from ringfence.transcript import (
    DatasetLabels,
    Message,
    Provenance,
    Role,
    Sample,
    SampleMetadata,
    ToolCall,
    Transcript,
)

POLICIES = resolve_tool_policies(["taubench"])
BOOK = {
    "name": "book_reservation",
    "kwargs": {
        "user_id": "ana_1",
        "flights": [{"flight_number": "HAT136", "date": "2024-05-20"}],
        "payment_methods": [{"payment_id": "gift_card_1", "amount": 250}],
        "insurance": "no",
    },
}


def sample(calls: list[tuple[str, dict[str, Any], str]], gold: list[dict[str, Any]]) -> Sample:
    """A trajectory making `calls` (tool, arguments, tool output), in that order."""
    messages = [Message(index=0, role=Role.USER, content="Hi", provenance=Provenance.USER)]
    for number, (name, arguments, output) in enumerate(calls):
        call = ToolCall(id=f"c{number}", name=name, arguments=arguments)
        messages.append(
            Message(
                index=len(messages),
                role=Role.ASSISTANT,
                provenance=Provenance.ASSISTANT,
                tool_calls=[call],
            )
        )
        messages.append(
            Message(
                index=len(messages),
                role=Role.TOOL,
                content=output,
                provenance=Provenance.TOOL_OUTPUT,
                tool_call_id=call.id,
            )
        )
    transcript = Transcript(
        sample_id="t",
        messages=messages,
        metadata=SampleMetadata(suite="airline", task_id="7", epoch=2),
    )
    labels = DatasetLabels(source="taubench", values={"reward": 0.0, "gold_actions": gold})
    return Sample(transcript=transcript, labels=labels)


def test_matching_call_is_not_extra() -> None:
    arguments = {
        "user_id": " Ana_1 ",
        "flights": [{"flight_number": "HAT136", "date": "2024-05-20", "origin": "JFK"}],
        "payment_methods": [{"payment_id": "gift_card_1", "amount": 250.0}],
        "insurance": "no",
    }
    comparison = compare_with_gold(
        sample([("book_reservation", arguments, "ok")], [BOOK]), POLICIES
    )

    assert comparison is not None
    assert (comparison.write_calls, comparison.matched_calls) == (1, 1)
    assert comparison.extra_calls == []
    assert comparison.missing_actions == []
    assert (comparison.task_id, comparison.epoch) == ("7", 2)


def test_reads_are_ignored() -> None:
    calls = [("get_user_details", {"user_id": "ana_1"}, "{}")]

    comparison = compare_with_gold(sample(calls, [BOOK]), POLICIES)

    assert comparison is not None
    assert comparison.write_calls == 0
    assert comparison.missing_actions == [BOOK]


def test_differing_call_is_extra() -> None:
    arguments = dict(BOOK["kwargs"], payment_methods=[{"payment_id": "card_9", "amount": 250}])

    comparison = compare_with_gold(
        sample([("book_reservation", arguments, "ok")], [BOOK]), POLICIES
    )

    assert comparison is not None
    [extra] = comparison.extra_calls
    assert extra.differs_in == ["payment_methods"]
    assert extra.tool_error is False
    assert comparison.missing_actions == [BOOK]


def test_repeat_and_unknown_tool() -> None:
    calls = [
        ("book_reservation", BOOK["kwargs"], "ok"),
        ("book_reservation", BOOK["kwargs"], "ok"),
        ("cancel_reservation", {"reservation_id": "X1"}, "ok"),
    ]

    comparison = compare_with_gold(sample(calls, [BOOK]), POLICIES)

    assert comparison is not None
    assert [(c.tool_name, c.differs_in) for c in comparison.extra_calls] == [
        ("book_reservation", []),
        ("cancel_reservation", None),
    ]


def test_rejected_call_keeps_gold_open() -> None:
    calls = [
        ("book_reservation", BOOK["kwargs"], "Error: not enough balance"),
        ("book_reservation", BOOK["kwargs"], "ok"),
    ]

    comparison = compare_with_gold(sample(calls, [BOOK]), POLICIES)

    assert comparison is not None
    assert comparison.matched_calls == 2
    assert comparison.extra_calls == []


def test_free_text_ignored() -> None:
    gold = {"name": "transfer_to_human_agents", "kwargs": {"summary": "User wants a refund."}}
    calls = [("transfer_to_human_agents", {"summary": "Refund request, please help."}, "ok")]

    comparison = compare_with_gold(sample(calls, [gold]), POLICIES)

    assert comparison is not None
    assert comparison.extra_calls == []


def test_other_labels_ignored() -> None:
    other = sample([], [BOOK])
    other.labels = DatasetLabels(source="agentdojo")

    assert compare_with_gold(other, POLICIES) is None


@pytest.mark.parametrize(
    ("given", "wanted", "expected"),
    [
        ({"a": 1}, {"a": 1.0}, True),
        ({"a": "X "}, {"a": "x"}, True),
        ({}, {"a": None}, True),
        ({"a": [1, 2]}, {"a": [2, 1]}, False),
        ({"a": [{"b": 1, "c": 2}]}, {"a": [{"b": 1}]}, True),
        ({"a": True}, {"a": 1}, False),
        ({"b": 1}, {"a": 1}, False),
    ],
)
def test_arguments_match(given: dict[str, Any], wanted: dict[str, Any], expected: bool) -> None:
    assert arguments_match(given, wanted) is expected


def test_summary_by_task() -> None:
    first = compare_with_gold(
        sample([("cancel_reservation", {"reservation_id": "X1"}, "Error: no such id")], []),
        POLICIES,
    )
    assert first is not None

    [row] = summarize_by_task([first], {"t": {"c0"}})

    assert (row.task_id, row.trials, row.extra_calls, row.extra_calls_failed) == ("7", 1, 1, 1)
    assert (row.ringfence_unauthorized, row.flagged_by_both) == (1, 1)
    assert row.examples == ["cancel_reservation (tool not in gold, rejected)"]
