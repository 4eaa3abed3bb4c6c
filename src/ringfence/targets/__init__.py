"""Targets: the systems under test that a live run plays scenarios against.

`create_target(TargetConfig(kind=...))` builds one of the registered kinds: `openai`
(OpenAI-compatible Chat Completions), `anthropic` (Messages API), `callable` (a Python
function) and `scripted` (fixed replies from a file). Provider SDKs are imported only when
their target is created, and a missing one names the extra to install.
"""

from ringfence.targets._base import (
    ReplyToolCall,
    Target,
    TargetError,
    TargetReply,
    TargetRequest,
)
from ringfence.targets._callable import CallableTarget, import_function
from ringfence.targets._config import DEFAULT_CALL_TIMEOUT_S, TargetConfig
from ringfence.targets._http import is_retryable_status, parse_retry_after
from ringfence.targets._registry import (
    TargetFactory,
    create_target,
    register_target,
    target_names,
)
from ringfence.targets._scripted import Script, ScriptedReply, ScriptedTarget, load_script

__all__ = [
    "DEFAULT_CALL_TIMEOUT_S",
    "CallableTarget",
    "ReplyToolCall",
    "Script",
    "ScriptedReply",
    "ScriptedTarget",
    "Target",
    "TargetConfig",
    "TargetError",
    "TargetFactory",
    "TargetReply",
    "TargetRequest",
    "create_target",
    "import_function",
    "is_retryable_status",
    "load_script",
    "parse_retry_after",
    "register_target",
    "target_names",
]
