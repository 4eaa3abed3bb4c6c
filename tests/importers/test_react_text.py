"""Tool calls written as text: loose argument objects and ReAct `Action:` steps."""

from __future__ import annotations

import pytest

from ringfence.importers._react import parse_loose_arguments, parse_written_actions


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"to": "a@b.com"}', {"to": "a@b.com"}),
        ("{'product_id': 'B08KFQ9HK5'}", {"product_id": "B08KFQ9HK5"}),
        ('{"n": 1}\nObservation: done', {"n": 1}),
        ("{'ids': ('a', 'b')}", {"ids": ["a", "b"]}),
        ('{"body": "line one\nline two"}', {"body": "line one\nline two"}),
        ("{'body': \"it's\nfine\"}", {"body": "it's\nfine"}),
    ],
)
def test_loose_arguments_read(raw: str, expected: dict[str, object]) -> None:
    call, problem = parse_loose_arguments(raw)

    assert problem is None
    assert call.arguments == expected
    assert call.arguments_raw == raw
    assert call.parse_error is None


def test_empty_arguments() -> None:
    call, problem = parse_loose_arguments("  ")

    assert call.arguments == {}
    assert call.parse_error is None
    assert problem is not None
    assert "no arguments" in problem


@pytest.mark.parametrize(
    "raw",
    [
        '{"to": "a@b.com", "body": "cut off',
        '{"body": "a" + str(x)}',
        "no object here",
        "{'a': open('x')}",
    ],
)
def test_loose_arguments_unreadable(raw: str) -> None:
    call, problem = parse_loose_arguments(raw)

    assert call.arguments is None
    assert call.parse_error
    assert problem == call.parse_error
    assert call.arguments_raw == raw


def test_written_actions_in_order() -> None:
    text = (
        "Thought: first read, then send.\n"
        "Action: GmailReadEmail\n"
        'Action Input: {"email_id": "e1"}\n'
        "Observation: (made up by the model)\n"
        "**Action:** GmailSendEmail\n"
        "**Action Input:** {'to': 'x@y.com'}\n"
        "Final Answer: done"
    )

    actions = parse_written_actions(text)

    assert [a.name for a in actions] == ["GmailReadEmail", "GmailSendEmail"]
    assert actions[0].arguments_text == '{"email_id": "e1"}'
    assert actions[1].arguments_text == "{'to': 'x@y.com'}"
    assert all(a.has_input for a in actions)


@pytest.mark.parametrize(
    "line",
    [
        "Action: None",
        "Action: None (no tool call is needed for this iteration)",
        "Action: (No action needed, I will provide the final answer)",
    ],
)
def test_no_action_remarks_skipped(line: str) -> None:
    assert parse_written_actions(f"Thought: nothing to do.\n{line}\nFinal Answer: ok") == []


def test_action_without_input() -> None:
    actions = parse_written_actions("Action: AmazonViewSavedAddresses\nObservation: ?")

    assert len(actions) == 1
    assert actions[0].name == "AmazonViewSavedAddresses"
    assert actions[0].has_input is False


def test_text_without_actions() -> None:
    assert parse_written_actions("The action: none was taken.") == []
