"""JSON report: the whole RunResult plus the values its properties compute.

The document has four top-level keys. ``run_result`` contains ``RunResult.model_dump(mode="json")``,
which ``RunResult.model_validate`` reads back unchanged. ``computed`` contains the property values
(import error count, agreement totals and accuracy), kept apart because the models reject unknown
fields. ``format`` and ``format_version`` name the layout.
"""

from __future__ import annotations

import json
from typing import Any

from ringfence.results import RunResult

JSON_REPORT_FORMAT = "ringfence.run_result"
JSON_REPORT_VERSION = 1


def render_json(result: RunResult) -> str:
    """Render ``result`` as indented JSON with sorted keys, so equal results give equal text.

    The output is pure ASCII because every other character is written as a ``\\u`` escape.
    Text that is not valid Unicode, such as a lone surrogate, therefore still gives a file that
    can be written and read back exactly.

    Raises:
        ValueError: the result contains NaN or infinity, which JSON cannot represent.
    """
    document = {
        "format": JSON_REPORT_FORMAT,
        "format_version": JSON_REPORT_VERSION,
        "run_result": result.model_dump(mode="json"),
        "computed": _computed_values(result),
    }
    try:
        text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=True, allow_nan=False)
    except ValueError as exc:
        raise ValueError(
            f"run {result.run_id}: the result contains NaN or infinity, which JSON cannot "
            "represent; fix the value in the metric or settings that produced it"
        ) from exc
    return text + "\n"


def load_json_report(text: str | bytes) -> RunResult:
    """Parse a JSON report written by ``render_json`` back into a RunResult.

    Raises:
        ValueError: the text is not JSON or not a ringfence JSON report of a known version.
        pydantic.ValidationError: ``run_result`` does not match the RunResult model.
    """
    document = json.loads(text)
    if not isinstance(document, dict) or document.get("format") != JSON_REPORT_FORMAT:
        raise ValueError(f"not a ringfence JSON report: expected format {JSON_REPORT_FORMAT!r}")
    version = document.get("format_version")
    if version != JSON_REPORT_VERSION:
        raise ValueError(
            f"unsupported JSON report format_version {version!r}; "
            f"this ringfence reads version {JSON_REPORT_VERSION}"
        )
    if "run_result" not in document:
        raise ValueError("invalid ringfence JSON report: the 'run_result' key is missing")
    return RunResult.model_validate(document["run_result"])


def _computed_values(result: RunResult) -> dict[str, Any]:
    # Agreement entries are listed in the same order as run_result.agreement.
    agreement = [
        {"group": matrix.group, "total": matrix.total, "accuracy": matrix.accuracy}
        for matrix in result.agreement
    ]
    return {"import_error_count": result.import_error_count, "agreement": agreement}
