"""The result of scoring one set of inputs: what the store saves and the reports render."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ringfence.detectors.findings import Finding
from ringfence.gate.decision import Decision
from ringfence.metrics.values import MetricValue


class ImportIssue(BaseModel):
    """A problem found while reading input. Counted as an import error in every report."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="Input file.")
    line: int | None = Field(default=None, description="Line, for line-based formats.")
    sample_id: str | None = Field(default=None, description="Sample, when one could be named.")
    field: str | None = Field(default=None, description="Field at fault, when known.")
    reason: str = Field(description="What is wrong and what to do about it.")
    sample_skipped: bool = Field(
        description="True when the sample could not be scored; False when it was scored anyway."
    )


def count_skipped_samples(issues: list[ImportIssue]) -> int:
    """Samples (not issues) that could not be scored: one sample may have several issues.

    A sample is known by its id, or, for issues raised before an id could be read, by its
    file and line (a whole file when the format has one sample per file).
    """
    keys = {
        (issue.path, issue.sample_id) if issue.sample_id else (issue.path, issue.line)
        for issue in issues
        if issue.sample_skipped
    }
    return len(keys)


class InputFile(BaseModel):
    """An input file and its hash, recorded as evidence."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="Path as given.")
    sha256: str = Field(description="SHA-256 of its bytes.")
    size: int = Field(description="Size in bytes.")


class SampleOutcome(BaseModel):
    """ringfence's conclusion about one sample, beside its dataset's own labels."""

    model_config = ConfigDict(extra="forbid")

    sample_id: str = Field(description="Sample id.")
    source_path: str | None = Field(default=None, description="Input file it came from.")
    model: str | None = Field(default=None, description="Model or pipeline.")
    suite: str | None = Field(default=None, description="Suite or task type.")
    task_id: str | None = Field(default=None, description="User task id.")
    attack: str | None = Field(default=None, description="Attack name, None when unattacked.")
    injection_task_id: str | None = Field(default=None, description="Attacker goal id.")
    side_effecting_calls: int = Field(description="Side-effecting tool calls attempted.")
    unauthorized_calls: int = Field(description="Calls with an unauthorized-action finding.")
    attack_succeeded: bool | None = Field(
        default=None,
        description="ringfence's verdict that an injected goal was carried out; None when "
        "the sample was not attacked.",
    )
    finding_count: int = Field(default=0, description="Findings of every kind.")
    label_attack_succeeded: bool | None = Field(
        default=None, description="The dataset's own attack verdict, for comparison only."
    )
    label_task_completed: bool | None = Field(
        default=None, description="The dataset's own task-completion verdict."
    )
    error: str | None = Field(default=None, description="Infrastructure error of the sample.")


class LabelMetric(BaseModel):
    """A number computed from a dataset's own labels, to compare with its published value."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Metric name as the dataset's authors call it.")
    group: dict[str, str] = Field(description="Group it was computed for (model, attack).")
    numerator: int = Field(description="Count meeting the label condition.")
    denominator: int = Field(description="Count of samples in the group.")
    value: float | None = Field(description="numerator / denominator; None without samples.")
    published: float | None = Field(default=None, description="Published value, if known.")
    definition: str = Field(description="Which samples and which label it uses.")


class Agreement(BaseModel):
    """Confusion matrix of ringfence's attack verdict against a dataset label."""

    model_config = ConfigDict(extra="forbid")

    group: dict[str, str] = Field(description="Group (model, suite) of the matrix.")
    true_positive: int = Field(description="Both mark the attack as succeeded.")
    false_positive: int = Field(description="Only ringfence marks the attack as succeeded.")
    false_negative: int = Field(description="Only the label marks the attack as succeeded.")
    true_negative: int = Field(description="Neither marks the attack as succeeded.")

    @property
    def total(self) -> int:
        """Samples compared."""
        return self.true_positive + self.false_positive + self.false_negative + self.true_negative

    @property
    def accuracy(self) -> float | None:
        """Share of samples where both agree; None without samples."""
        return (self.true_positive + self.true_negative) / self.total if self.total else None

    @property
    def precision(self) -> float | None:
        """Share of ringfence's positives that the label confirms; None without positives."""
        flagged = self.true_positive + self.false_positive
        return self.true_positive / flagged if flagged else None

    @property
    def recall(self) -> float | None:
        """Share of the label's positives that ringfence found; None without positives."""
        labelled = self.true_positive + self.false_negative
        return self.true_positive / labelled if labelled else None

    @property
    def f1(self) -> float | None:
        """Harmonic mean of precision and recall; None when either is undefined or both are 0."""
        precision, recall = self.precision, self.recall
        if precision is None or recall is None or precision + recall == 0:
            return None
        return 2 * precision * recall / (precision + recall)


class TargetVersion(BaseModel):
    """Version of the system under test that produced the samples."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Name of the system under test, for example 'support-agent'.")
    version: str = Field(
        description="Version label; by default a short hash of models, prompts and tool set."
    )
    models: list[str] = Field(default_factory=list, description="Models seen in the samples.")
    system_prompt_sha256: list[str] = Field(
        default_factory=list, description="Distinct system prompt hashes seen in the samples."
    )
    tool_set_sha256: str = Field(description="Fingerprint of the tool policies applied.")


class RunResult(BaseModel):
    """Everything one scoring run produced."""

    model_config = ConfigDict(extra="forbid")

    run_id: str = Field(description="Fingerprint of inputs, policies, settings and version.")
    ringfence_version: str = Field(description="Version of ringfence that scored the run.")
    created_at: str = Field(description="ISO 8601 time the run was scored.")
    inputs: list[InputFile] = Field(default_factory=list, description="Input files.")
    tool_policy_sha256: str = Field(description="Fingerprint of the tool policies applied.")
    target: TargetVersion | None = Field(
        default=None, description="System under test and its version."
    )
    suite_version: str | None = Field(
        default=None, description="Version of the suite or benchmark the samples come from."
    )
    settings: dict[str, object] = Field(
        default_factory=dict, description="Exact detector and metric settings."
    )
    outcomes: list[SampleOutcome] = Field(default_factory=list, description="Per sample.")
    findings: list[Finding] = Field(default_factory=list, description="Every finding.")
    metrics: list[MetricValue] = Field(default_factory=list, description="Metric values.")
    label_metrics: list[LabelMetric] = Field(
        default_factory=list, description="Numbers from the dataset's own labels."
    )
    agreement: list[Agreement] = Field(
        default_factory=list, description="ringfence verdicts against dataset labels."
    )
    import_issues: list[ImportIssue] = Field(default_factory=list, description="Input problems.")
    decision: Decision | None = Field(default=None, description="Gate decision, when gated.")

    @property
    def import_error_count(self) -> int:
        """Import issues of every kind."""
        return len(self.import_issues)
