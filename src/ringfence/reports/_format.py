"""Text formatting shared by the reports: percentages, intervals, groups, verdicts, untrusted text.

Every renderer passes values through these functions so that the console, Markdown and JUnit
reports show the same number the same way, and "no data" never turns into 0%.
"""

from __future__ import annotations

import unicodedata

from ringfence.gate.decision import Verdict
from ringfence.metrics.values import MetricStatus, MetricValue

NO_DATA = "no data"
NOT_AVAILABLE = "n/a"
ELLIPSIS = "…"

# Characters that break a line or change the direction or visibility of the text around them.
# They are shown as escapes so that text written by a model cannot hide or reorder a report row.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})

_VERDICT_LABELS = {
    Verdict.GREEN: "GREEN",
    Verdict.YELLOW: "YELLOW",
    Verdict.RED: "RED",
    Verdict.ERROR: "COULD NOT EVALUATE",
}


def format_percent(value: float | None) -> str:
    """Format a proportion as a percentage with one decimal, or "no data" for None.

    A value that is neither 0 nor 1 never prints as "0.0%" or "100.0%", because a reader would
    take that for an exact zero or a certainty.
    """
    if value is None:
        return NO_DATA
    if 0.0 < value < 0.0005:
        return "<0.1%"
    if 0.9995 <= value < 1.0:
        return ">99.9%"
    return f"{value * 100:.1f}%"


MEAN_UNITS = frozenset({"turns", "seconds", "points per 100 samples"})
"""Units of metrics whose estimate is a mean in that unit rather than a proportion."""


def format_estimate(value: float | None, unit: str) -> str:
    """Format an estimate as a percentage, or as a number for a mean metric's unit."""
    if unit in MEAN_UNITS:
        return NO_DATA if value is None else f"{value:.1f}"
    return format_percent(value)


def format_estimate_interval(low: float | None, high: float | None, unit: str) -> str:
    """Format an interval in the metric's own unit."""
    if unit in MEAN_UNITS:
        return NO_DATA if low is None or high is None else f"[{low:.1f}, {high:.1f}]"
    return format_interval(low, high)


def format_interval(low: float | None, high: float | None) -> str:
    """Format an interval as "[low, high]" in percent, or "no data" when a bound is missing."""
    if low is None or high is None:
        return NO_DATA
    return f"[{format_percent(low)}, {format_percent(high)}]"


def format_ratio(numerator: int, denominator: int) -> str:
    """Format counts as "numerator/denominator"."""
    return f"{numerator}/{denominator}"


def format_difference(value: float | None, reference: float | None) -> str:
    """Format value minus reference in percentage points, or "n/a" when either is missing."""
    if value is None or reference is None:
        return NOT_AVAILABLE
    return f"{(value - reference) * 100:+.1f} pp"


def format_group(group: dict[str, str]) -> str:
    """Format a segment or group as "key=value, ..." sorted by key, or "overall" when empty."""
    if not group:
        return "overall"
    return ", ".join(f"{key}={value}" for key, value in sorted(group.items()))


def metric_estimate(value: MetricValue) -> float | None:
    """Point estimate of a metric value, or None unless its status is ok.

    Reading the status first keeps a no-data value shown as "no data" even if a producer also
    filled in an estimate.
    """
    return value.estimate if value.status is MetricStatus.OK else None


def metric_interval(value: MetricValue) -> tuple[float | None, float | None]:
    """Interval bounds of a metric value, or (None, None) unless its status is ok."""
    if value.status is not MetricStatus.OK:
        return None, None
    return value.ci_low, value.ci_high


def verdict_label(verdict: Verdict | None) -> str:
    """Upper-case verdict name for headlines, or "NOT GATED" when no gate ran."""
    return "NOT GATED" if verdict is None else _VERDICT_LABELS[verdict]


def escape_hidden(text: str, *, keep_newlines: bool = False) -> str:
    """Replace control, format, separator and noncharacters with visible escapes such as "\\x1b".

    Tabs become spaces. With ``keep_newlines`` every line break (CR, LF or CRLF) becomes a plain
    "\\n" character; otherwise it is escaped like the rest. Lone surrogates are escaped too, so
    the result can always be encoded as UTF-8.
    """
    if keep_newlines:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    pieces: list[str] = []
    for char in text:
        if char == "\t":
            pieces.append(" ")
        elif char == "\n" and keep_newlines:
            pieces.append(char)
        elif unicodedata.category(char) in _HIDDEN_CATEGORIES or _is_noncharacter(char):
            pieces.append(_escape_char(char))
        else:
            pieces.append(char)
    return "".join(pieces)


def shorten(text: str, max_chars: int) -> str:
    """Cut text to at most ``max_chars`` characters, ending in "…" when something was cut."""
    if len(text) <= max_chars:
        return text
    if max_chars <= 0:
        return ""
    return text[: max_chars - 1] + ELLIPSIS


def clean_cell(text: str | None, max_chars: int, *, keep_newlines: bool = False) -> str:
    """Make untrusted text safe for one table cell: hidden characters escaped, length capped.

    The text is cut before escaping, so an escape sequence is never split in half.
    """
    if text is None:
        return ""
    cut = shorten(text, max_chars)
    return escape_hidden(cut, keep_newlines=keep_newlines)


def _is_noncharacter(char: str) -> bool:
    # Unicode reserves U+FDD0..U+FDEF and the last two code points of every plane, such as
    # U+FFFE, as noncharacters that never appear in interchanged text.
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def _escape_char(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"
