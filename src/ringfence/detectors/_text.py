"""Text normalization and extraction shared by the detectors.

Tool outputs often re-encode text (YAML or JSON escapes, folded lines, doubled quotes), so a value
copied by the model rarely matches the raw output byte for byte. Detectors compare normalized
text: lowercased, escapes undone, whitespace collapsed.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

# Single spaces are already normal, so only runs and other whitespace are rewritten; that keeps
# the number of replacement calls low on long tool outputs.
_ESCAPES = re.compile(r"\\\n[ \t]*(?:\\(?= ))?|\\[nt]|\\\"|''|\s{2,}|[\t\n\r\f\v]")
_SPACES = re.compile(r" {2,}")


def _replacement(match: re.Match[str]) -> str:
    token = match.group(0)
    if token == '\\"':
        return '"'
    if token == "''":
        return "'"
    return " "


def normalize(text: str) -> str:
    """Lowercase, undo common escapes and collapse whitespace."""
    return _SPACES.sub(" ", _ESCAPES.sub(_replacement, text)).lower()


def normalized_offsets(text: str, limit: int | None = None) -> list[int]:
    """Map each character of `normalize(text)` to its offset in `text`, up to `limit` of them.

    Slow (one Python step per character), so only used to report evidence spans.
    """
    offsets: list[int] = []
    position = 0
    previous_space = False
    for match in _ESCAPES.finditer(text):
        if limit is not None and len(offsets) > limit:
            return offsets
        for index in range(position, match.start()):
            if text[index] == " " and previous_space:
                continue
            offsets.append(index)
            previous_space = text[index] == " "
        replacement = _replacement(match)
        if not (replacement == " " and previous_space):
            offsets.append(match.start())
            previous_space = replacement == " "
        position = match.end()
    for index in range(position, len(text)):
        if not (text[index] == " " and previous_space):
            offsets.append(index)
        previous_space = text[index] == " "
    return offsets


def original_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Translate a span of `normalize(text)` into a span of `text`."""
    offsets = normalized_offsets(text, limit=end)
    if not offsets:
        return 0, 0
    first = offsets[min(start, len(offsets) - 1)]
    last = offsets[min(max(end - 1, start), len(offsets) - 1)] + 1
    return first, last


_URL_PREFIX = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:www\.)?")


def normalize_value(value: str) -> str:
    """Normalize an argument value for searching: lowercase, no URL scheme or 'www.'."""
    text = normalize(value).strip().strip("'\"")
    text = _URL_PREFIX.sub("", text)
    return text.rstrip("/.,;")


_WORDISH = re.compile(r"^[\w.@+-]+$")


def find_value(haystack: str, needle: str, start: int = 0) -> int:
    """Find normalized `needle` in normalized `haystack` as a whole value.

    A word-like value such as '13' or 'random' is found in 'file 13' or 'the random channel' but
    not in '2013', 'id_131' or 'example.com/random'.
    """
    if not _WORDISH.match(needle):
        return haystack.find(needle, start)
    match = _whole_value_pattern(needle).search(haystack, start)
    return match.start() if match else -1


@lru_cache(maxsize=4096)
def _whole_value_pattern(needle: str) -> re.Pattern[str]:
    # A value must not continue a longer word, address or path on either side.
    return re.compile(rf"(?<![\w@/-]){re.escape(needle)}(?![\w@/-])")


_ENTITY_PATTERNS = [
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail address
    re.compile(r"(?:https?://)?(?:www\.)[\w-]+(?:\.[\w-]+)+(?:/[\w./?=&%-]*)?"),  # web address
    re.compile(r"https?://[\w-]+(?:\.[\w-]+)+(?:/[\w./?=&%-]*)?"),
    re.compile(r"(?<![@\w.-])[\w-]+\.(?:com|org|net|io|info|biz|xyz|ru|cn)(?:/[\w./?=&%-]*)?\b"),
    re.compile(r"\b[a-z]{2}\d{2}[a-z0-9]{10,30}\b"),  # IBAN-like account number
    # Phone number: groups split by spaces, dashes or brackets; dates and long account
    # numbers do not match.
    re.compile(r"(?<![\w-])\+?\d{1,3}[ -]?\(?\d{2,4}\)?[ -]\d{3,4}[ -]?\d{3,4}(?![\w-])"),
]


def extract_entities(normalized_text: str) -> set[str]:
    """Addresses, web addresses, account and phone numbers in normalized text."""
    found: set[str] = set()
    for pattern in _ENTITY_PATTERNS:
        for match in pattern.finditer(normalized_text):
            value = normalize_value(match.group(0))
            if len(value) >= 6:
                found.add(value)
    return found


_QUOTED = re.compile(r"'([^']{10,300})'|\"([^\"]{10,300})\"")


def extract_quoted(normalized_text: str) -> set[str]:
    """Phrases of 10 or more characters in single or double quotes."""
    phrases: set[str] = set()
    for match in _QUOTED.finditer(normalized_text):
        phrase = (match.group(1) or match.group(2)).strip()
        if len(phrase) >= 10:
            phrases.add(phrase)
    return phrases


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MONTH_FIRST = re.compile(rf"\b({_MONTH})\.? {_DAY},? (\d{{4}})\b")
_DAY_FIRST = re.compile(rf"\b(?:the )?{_DAY} (?:of )?({_MONTH}),? (\d{{4}})\b")
_MONTH_RANGE = re.compile(
    rf"\b({_MONTH})\.? {_DAY} (?:to|until|till|and|-) (?:({_MONTH})\.? )?{_DAY},? (\d{{4}})\b"
)
_DAY_RANGE = re.compile(
    rf"\b(?:the )?{_DAY} (?:to|until|till|-) (?:the )?{_DAY} (?:of )?({_MONTH}),? (\d{{4}})\b"
)


@lru_cache(maxsize=8192)
def extract_dates(normalized_text: str) -> frozenset[date]:
    """Calendar dates written as ISO dates or in English words ('the 13th to the 17th of May')."""
    found: set[date] = set()
    for year, month, day in _ISO_DATE.findall(normalized_text):
        _add_date(found, int(year), int(month), int(day))
    for month, day, year in _MONTH_FIRST.findall(normalized_text):
        _add_date(found, int(year), _MONTHS[month], int(day))
    for day, month, year in _DAY_FIRST.findall(normalized_text):
        _add_date(found, int(year), _MONTHS[month], int(day))
    for month, first, second_month, last, year in _MONTH_RANGE.findall(normalized_text):
        _add_date(found, int(year), _MONTHS[month], int(first))
        _add_date(found, int(year), _MONTHS[second_month or month], int(last))
    for first, last, month, year in _DAY_RANGE.findall(normalized_text):
        _add_date(found, int(year), _MONTHS[month], int(first))
        _add_date(found, int(year), _MONTHS[month], int(last))
    return frozenset(found)


def _add_date(found: set[date], year: int, month: int, day: int) -> None:
    try:
        found.add(date(year, month, day))
    except ValueError:
        return
