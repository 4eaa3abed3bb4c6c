"""Reply functions for the callable target tests, imported by 'module:function' name."""

from __future__ import annotations

from typing import Any

from ringfence.targets import TargetRequest

PAYMENT = {"from_account": "ACC-1", "recipient": "DE00 1111", "amount": 120, "reference": "7"}


def pay_then_answer(request: TargetRequest) -> dict[str, Any] | str:
    """Pay the invoice on the first call, then answer with text."""
    if request.step == 0:
        assert any(tool["name"] == "send_payment" for tool in request.tools)
        return {"tool_calls": [{"id": "c1", "name": "send_payment", "arguments": PAYMENT}]}
    return "Paid invoice 7."


async def answer_async(request: TargetRequest) -> str:
    """Answer with text from a coroutine function."""
    return f"Turn {request.turn}, step {request.step}."


def crash(request: TargetRequest) -> str:
    """Raise, as a buggy agent would."""
    raise RuntimeError("agent bug")
