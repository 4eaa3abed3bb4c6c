"""Builders of small transcripts for detector tests."""

from __future__ import annotations

import json
from typing import Any

from ringfence.policy import PolicySet, ToolPolicy
from ringfence.transcript import (
    InjectedText,
    Message,
    Provenance,
    Role,
    SampleMetadata,
    ToolCall,
    Transcript,
)

POLICY = PolicySet(
    [
        ToolPolicy.model_validate(
            {
                "version": 1,
                "name": "test",
                "tools": {
                    "read_doc": {"action": "read"},
                    "send_email": {
                        "action": "send",
                        "privilege": "high",
                        "targets": ["to"],
                        "payload": ["subject", "body"],
                    },
                    "delete_file": {
                        "action": "delete",
                        "privilege": "medium",
                        "targets": ["file_id"],
                    },
                    "book_room": {"action": "write", "targets": ["room"]},
                },
            }
        )
    ]
)


def call(tool: str, **arguments: Any) -> tuple[str, dict[str, Any]]:
    return tool, arguments


def transcript(user: str, *steps: object, injections: list[str] | None = None) -> Transcript:
    """Build a transcript: strings are tool outputs, tuples are calls, dicts are answers."""
    messages = [
        Message(
            index=0,
            role=Role.SYSTEM,
            content="You are a helpful assistant.",
            provenance=Provenance.SYSTEM,
        ),
        Message(index=1, role=Role.USER, content=user, provenance=Provenance.USER),
    ]
    for number, step in enumerate(steps):
        index = len(messages)
        if isinstance(step, tuple):
            name, arguments = step
            messages.append(
                Message(
                    index=index,
                    role=Role.ASSISTANT,
                    provenance=Provenance.ASSISTANT,
                    tool_calls=[
                        ToolCall(
                            id=f"c{number}",
                            name=name,
                            arguments=arguments,
                            arguments_raw=json.dumps(arguments),
                        )
                    ],
                )
            )
        elif isinstance(step, dict):
            messages.append(
                Message(
                    index=index,
                    role=Role.ASSISTANT,
                    content=step["answer"],
                    provenance=Provenance.ASSISTANT,
                )
            )
        else:
            messages.append(
                Message(
                    index=index,
                    role=Role.TOOL,
                    content=str(step),
                    provenance=Provenance.TOOL_OUTPUT,
                    tool_call_id="x",
                )
            )
    return Transcript(
        sample_id="t1",
        messages=messages,
        injections=[
            InjectedText(placeholder=f"p{i}", text=t) for i, t in enumerate(injections or [])
        ],
        metadata=SampleMetadata(attack="test" if injections else None),
    )
