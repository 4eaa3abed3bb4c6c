"""Summary records that the evidence store returns about stored runs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ringfence.results import InputFile


class StoredRun(BaseModel):
    """One stored run: its identity, settings, input files and row counts."""

    model_config = ConfigDict(extra="forbid")

    run_id: str = Field(description="Fingerprint of inputs, policies, settings and version.")
    ringfence_version: str = Field(description="Version of ringfence that scored the run.")
    created_at: str = Field(description="ISO 8601 time the run was scored.")
    stored_at: str = Field(description="ISO 8601 time (UTC) the run was written to the store.")
    tool_policy_sha256: str = Field(description="Fingerprint of the tool policies applied.")
    settings: dict[str, object] = Field(description="Exact detector and metric settings.")
    inputs: list[InputFile] = Field(description="Input files, in the order they were given.")
    sample_count: int = Field(description="Stored samples, scored or not.")
    finding_count: int = Field(description="Stored findings of every kind.")
    metric_count: int = Field(description="Stored metric values.")
    import_issue_count: int = Field(description="Stored import issues.")
