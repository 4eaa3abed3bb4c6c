"""Segment values derived from the transcript: context-length bucket and language."""

from __future__ import annotations

import pytest

from ringfence.metrics.segments import context_length_bucket, estimated_tokens, sample_language
from ringfence.transcript import Message, Provenance, Role, SampleMetadata, Transcript


def _transcript(characters: int) -> Transcript:
    message = Message(index=0, role=Role.USER, content="x" * characters, provenance=Provenance.USER)
    return Transcript(sample_id="s", messages=[message])


@pytest.mark.parametrize(
    ("characters", "bucket"),
    [
        (0, "short"),
        (15_996, "short"),  # 3,999 estimated tokens
        (16_000, "medium"),  # 4,000
        (80_000, "medium"),  # 20,000
        (80_004, "long"),  # 20,001
    ],
)
def test_context_length_bucket_edges(characters: int, bucket: str) -> None:
    assert context_length_bucket(_transcript(characters)) == bucket


def test_estimate_is_characters_over_four() -> None:
    assert estimated_tokens(_transcript(10)) == 2.5


@pytest.mark.parametrize(
    ("metadata", "language"),
    [
        (SampleMetadata(language="EN "), "en"),
        (SampleMetadata(extra={"language": "de"}), "de"),
        (SampleMetadata(language="fr", extra={"language": "de"}), "fr"),
        (SampleMetadata(extra={"language": 3}), "unknown"),
        (SampleMetadata(), "unknown"),
    ],
)
def test_sample_language(metadata: SampleMetadata, language: str) -> None:
    assert sample_language(metadata) == language
