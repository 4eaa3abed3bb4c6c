"""JsonlImporter on malformed lines: each bad line is reported and its neighbours still import."""

from __future__ import annotations

from pathlib import Path

from ringfence.importers import JsonlImporter
from ringfence.results import ImportIssue
from ringfence.transcript import Sample, ToolCall

from .builders import (
    Imported,
    assistant_call,
    encode,
    jsonl_record,
    read_all,
    write_between_good_lines,
)

BAD_LINE = 2
GOOD_IDS = ["good-before", "good-after"]


def import_with_bad_line(tmp_path: Path, bad_line: bytes) -> tuple[Path, Imported]:
    path = write_between_good_lines(tmp_path / "runs.jsonl", bad_line)
    return path, read_all(JsonlImporter(), path)


def only_issue(imported: Imported, path: Path) -> ImportIssue:
    assert len(imported.issues) == 1
    issue = imported.issues[0]
    assert issue.path == str(path)
    assert issue.line == BAD_LINE
    assert issue.reason
    return issue


def assert_skipped(imported: Imported, path: Path) -> ImportIssue:
    issue = only_issue(imported, path)
    assert issue.sample_skipped is True
    assert imported.sample_ids == GOOD_IDS
    return issue


def assert_scored(imported: Imported, path: Path, sample_id: str = "bad") -> ImportIssue:
    issue = only_issue(imported, path)
    assert issue.sample_skipped is False
    assert issue.sample_id == sample_id
    assert imported.sample_ids == ["good-before", sample_id, "good-after"]
    return issue


def first_call(sample: Sample) -> ToolCall:
    calls = [call for _, call in sample.transcript.tool_calls()]
    assert calls, "the sample has no tool calls"
    return calls[0]


def test_truncated_line(tmp_path: Path) -> None:
    path, imported = import_with_bad_line(tmp_path, b'{"id": "bad", "messages": [')

    issue = assert_skipped(imported, path)
    assert "invalid or truncated JSON" in issue.reason


def test_line_not_object(tmp_path: Path) -> None:
    path, imported = import_with_bad_line(tmp_path, b'["not", "an", "object"]')

    issue = assert_skipped(imported, path)
    assert issue.reason == "expected a JSON object, got list"


def test_line_missing_messages(tmp_path: Path) -> None:
    path, imported = import_with_bad_line(tmp_path, encode({"id": "bad", "labels": {}}))

    issue = assert_skipped(imported, path)
    assert issue.field == "messages"
    assert "missing or non-list 'messages'" in issue.reason


def test_line_messages_not_list(tmp_path: Path) -> None:
    path, imported = import_with_bad_line(tmp_path, encode({"id": "bad", "messages": "hello"}))

    issue = assert_skipped(imported, path)
    assert issue.field == "messages"


def test_arguments_invalid_json(tmp_path: Path) -> None:
    raw = '{"order_id": 10442'
    record = jsonl_record("bad", assistant_call(raw))
    path, imported = import_with_bad_line(tmp_path, encode(record))

    issue = assert_scored(imported, path)
    assert issue.field == "messages[1].tool_calls[0].function.arguments"
    assert "not valid JSON" in issue.reason
    call = first_call(imported.sample("bad"))
    assert call.arguments is None
    assert call.arguments_raw == raw
    assert call.parse_error == issue.reason


def test_arguments_trailing_junk(tmp_path: Path) -> None:
    raw = '{"a": 1} xyz'
    record = jsonl_record("bad", assistant_call(raw))
    path, imported = import_with_bad_line(tmp_path, encode(record))

    issue = assert_scored(imported, path)
    assert issue.field == "messages[1].tool_calls[0].function.arguments"
    assert "trailing data" in issue.reason
    call = first_call(imported.sample("bad"))
    assert call.arguments is None
    assert call.arguments_raw == raw
    assert call.parse_error is not None
    assert "trailing data" in call.parse_error


def test_arguments_json_array(tmp_path: Path) -> None:
    raw = '["10442"]'
    record = jsonl_record("bad", assistant_call(raw))
    path, imported = import_with_bad_line(tmp_path, encode(record))

    issue = assert_scored(imported, path)
    assert issue.reason == "arguments must be a JSON object, got JSON list"
    call = first_call(imported.sample("bad"))
    assert call.arguments is None
    assert call.arguments_raw == raw
    assert call.parse_error == issue.reason


def test_arguments_object_not_string(tmp_path: Path) -> None:
    record = jsonl_record("bad", assistant_call({"order_id": "10442"}))
    path, imported = import_with_bad_line(tmp_path, encode(record))

    issue = assert_scored(imported, path)
    assert issue.field == "messages[1].tool_calls[0].function.arguments"
    assert "JSON object instead of a JSON string" in issue.reason
    call = first_call(imported.sample("bad"))
    assert call.arguments == {"order_id": "10442"}
    assert call.parse_error is None
    assert call.arguments_raw == '{"order_id":"10442"}'


def test_arguments_empty_string(tmp_path: Path) -> None:
    record = jsonl_record("bad", assistant_call(""))
    path, imported = import_with_bad_line(tmp_path, encode(record))

    issue = assert_scored(imported, path)
    assert issue.field == "messages[1].tool_calls[0].function.arguments"
    assert issue.reason == "tool-call arguments were an empty string; read as no arguments"
    call = first_call(imported.sample("bad"))
    assert call.arguments == {}
    assert call.arguments_raw == ""
    assert call.parse_error is None


def test_unknown_role(tmp_path: Path) -> None:
    record = {"id": "bad", "messages": [{"role": "developer", "content": "Be brief."}]}
    path, imported = import_with_bad_line(tmp_path, encode(record))

    issue = assert_skipped(imported, path)
    assert issue.sample_id == "bad"
    assert issue.field == "messages[0].role"
    assert "unknown role 'developer'" in issue.reason
    assert "system, user, assistant or tool" in issue.reason


ANSWER = {"role": "assistant", "content": "Hello."}


def test_empty_user_content(tmp_path: Path) -> None:
    record = {"id": "bad", "messages": [{"role": "user", "content": ""}, ANSWER]}
    path, imported = import_with_bad_line(tmp_path, encode(record))

    issue = assert_scored(imported, path)
    assert issue.field == "messages[0].content"
    assert issue.reason == "user message 0 has empty content"
    assert imported.sample("bad").transcript.messages[0].content == ""


def test_null_user_content(tmp_path: Path) -> None:
    record = {"id": "bad", "messages": [{"role": "user", "content": None}, ANSWER]}
    path, imported = import_with_bad_line(tmp_path, encode(record))

    issue = assert_scored(imported, path)
    assert issue.field == "messages[0].content"
    assert issue.reason == "user message 0 has null content"
    assert imported.sample("bad").transcript.messages[0].content is None


def test_line_not_utf8(tmp_path: Path) -> None:
    bad_line = b'{"id": "bad", "messages": [{"role": "user", "content": "\xff\xfe"}]}'
    path, imported = import_with_bad_line(tmp_path, bad_line)

    issue = assert_skipped(imported, path)
    assert "not valid UTF-8" in issue.reason


def test_duplicated_tool_call_id(tmp_path: Path) -> None:
    message = assistant_call('{"order_id": "1"}', call_id="call_1")
    message["tool_calls"].append(
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "lookup_order", "arguments": '{"order_id": "2"}'},
        }
    )
    path, imported = import_with_bad_line(tmp_path, encode(jsonl_record("bad", message)))

    issue = assert_scored(imported, path)
    assert issue.field == "messages[1].tool_calls[1].id"
    assert "duplicated ('call_1')" in issue.reason
    calls = [call for _, call in imported.sample("bad").transcript.tool_calls()]
    assert [call.id for call in calls] == ["call_1", "call-1-1"]
    assert [call.arguments for call in calls] == [{"order_id": "1"}, {"order_id": "2"}]


def test_missing_tool_call_id(tmp_path: Path) -> None:
    record = jsonl_record("bad", assistant_call('{"order_id": "1"}', call_id=None))
    path, imported = import_with_bad_line(tmp_path, encode(record))

    issue = assert_scored(imported, path)
    assert issue.field == "messages[1].tool_calls[0].id"
    assert issue.reason == "tool-call id missing; using 'call-1-0'"
    assert first_call(imported.sample("bad")).id == "call-1-0"


def test_tool_call_without_name(tmp_path: Path) -> None:
    message = assistant_call("{}")
    del message["tool_calls"][0]["function"]["name"]
    path, imported = import_with_bad_line(tmp_path, encode(jsonl_record("bad", message)))

    # A call that cannot be read could be the unsafe one, so the sample is skipped.
    issues = imported.issues
    assert [issue.field for issue in issues] == [
        "messages[1].tool_calls[0]",
        "messages[1].content",
    ]
    assert all(issue.sample_skipped is True for issue in issues)
    assert imported.sample_ids == ["good-before", "good-after"]


def test_content_of_wrong_type_skipped(tmp_path: Path) -> None:
    record = {"id": "bad", "messages": [{"role": "user", "content": {"text": "hi"}}, ANSWER]}
    path, imported = import_with_bad_line(tmp_path, encode(record))

    assert imported.sample_ids == ["good-before", "good-after"]
    fields = [issue.field for issue in imported.issues]
    assert "messages[0].content" in fields
    assert all(issue.sample_skipped is True for issue in imported.issues)
    assert "content must be text or a list of text parts, got dict" in imported.issues[0].reason


def test_empty_messages_skipped(tmp_path: Path) -> None:
    path, imported = import_with_bad_line(tmp_path, encode({"id": "bad", "messages": []}))

    assert imported.sample_ids == ["good-before", "good-after"]
    (issue,) = imported.issues
    assert issue.reason == "the transcript has no messages, so there is no behaviour to score"
    assert issue.sample_skipped is True


def test_blank_lines_ignored(tmp_path: Path) -> None:
    path = tmp_path / "runs.jsonl"
    good = encode(jsonl_record("only"))
    path.write_bytes(b"\n  \n" + good + b"\n\n")

    imported = read_all(JsonlImporter(), path)

    assert imported.issues == []
    assert imported.sample_ids == ["only"]
    assert imported.samples[0].source is not None
    assert imported.samples[0].source.line == 3


# Values of unexpected types: each is reported, and the rest of the input still imports.


def test_truncated_line_column(tmp_path: Path) -> None:
    bad_line = b'{"id": "bad", "messages": ['
    path, imported = import_with_bad_line(tmp_path, bad_line)

    issue = assert_skipped(imported, path)
    assert f"(column {len(bad_line) + 1})" in issue.reason


def test_numeric_tool_call_id_reported(tmp_path: Path) -> None:
    tool_result = {"role": "tool", "tool_call_id": 7, "content": "shipped"}
    path, imported = import_with_bad_line(tmp_path, encode(jsonl_record("bad", tool_result)))

    assert imported.sample_ids[0] == "good-before"
    assert imported.sample_ids[-1] == "good-after"
    assert len(imported.issues) == 1
    assert imported.issues[0].line == BAD_LINE


def test_numeric_call_id_reason(tmp_path: Path) -> None:
    record = jsonl_record("bad", assistant_call("{}", call_id=None))
    record["messages"][1]["tool_calls"][0]["id"] = 5
    path, imported = import_with_bad_line(tmp_path, encode(record))

    issue = assert_scored(imported, path)
    assert "duplicated" not in issue.reason


def test_call_id_duplicated_across_messages(tmp_path: Path) -> None:
    record = jsonl_record(
        "bad",
        assistant_call("{}", call_id="call_1", name="lookup_order"),
        {"role": "tool", "tool_call_id": "call_1", "content": "shipped"},
        assistant_call("{}", call_id="call_1", name="issue_refund"),
        {"role": "tool", "tool_call_id": "call_1", "content": "refunded"},
    )
    path, imported = import_with_bad_line(tmp_path, encode(record))

    issue = assert_scored(imported, path)
    assert issue.field == "messages[3].tool_calls[0].id"
    tool_names = [
        m.tool_name for m in imported.sample("bad").transcript.messages if m.role == "tool"
    ]
    assert tool_names == ["lookup_order", "issue_refund"]
