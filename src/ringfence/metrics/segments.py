"""Segment values that are derived from a transcript rather than copied from its metadata.

- `context_length`: a bucket of the transcript's estimated token count. The estimate is the
  characters of all message contents divided by 4, a rough average for English text with
  common tokenizers, so it is not a tokenizer's count. Buckets: short (< 4,000 tokens), medium
  (4,000 to 20,000) and long (> 20,000).
- `language`: the metadata's `language`, else `extra["language"]`, else 'unknown', lower-cased.
"""

from __future__ import annotations

from ringfence.transcript import SampleMetadata, Transcript

CHARS_PER_TOKEN = 4
"""Characters per token assumed by the estimate."""

SHORT_CONTEXT_MAX_TOKENS = 4_000
"""Estimated tokens below which a transcript is 'short'."""

LONG_CONTEXT_MIN_TOKENS = 20_000
"""Estimated tokens above which a transcript is 'long'."""

UNKNOWN_LANGUAGE = "unknown"
"""Language segment of a sample whose metadata names no language."""


def estimated_tokens(transcript: Transcript) -> float:
    """Estimate the transcript's tokens as the characters of its message contents / 4."""
    characters = sum(len(message.content or "") for message in transcript.messages)
    return characters / CHARS_PER_TOKEN


def context_length_bucket(transcript: Transcript) -> str:
    """Return 'short', 'medium' or 'long' for the transcript's estimated token count."""
    tokens = estimated_tokens(transcript)
    if tokens < SHORT_CONTEXT_MAX_TOKENS:
        return "short"
    if tokens <= LONG_CONTEXT_MIN_TOKENS:
        return "medium"
    return "long"


def sample_language(metadata: SampleMetadata) -> str:
    """Return the sample's language segment value."""
    language = metadata.language or metadata.extra.get("language")
    if not isinstance(language, str) or not language.strip():
        return UNKNOWN_LANGUAGE
    return language.strip().lower()
