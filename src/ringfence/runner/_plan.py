"""What a live run consists of: its samples in order, its run id and its input files."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from ringfence import __version__
from ringfence.pipeline import ScoreRequest
from ringfence.results import InputFile
from ringfence.runner._sample import sample_id_of
from ringfence.runner._settings import RunSettings
from ringfence.scenarios import SUITE_FILE, Scenario, Suite
from ringfence.targets import TargetConfig
from ringfence.transcript import SourceRef

LIVE_FORMAT = "live"
"""`RunResult.settings['format']` of a live run."""


@dataclass
class LiveRunRequest:
    """What to run, against which target, how, and how to score it."""

    suite: Suite
    target: TargetConfig
    settings: RunSettings
    scoring: ScoreRequest
    """Policies, detector settings, gate policy and names; its inputs and format are unused."""


@dataclass(frozen=True)
class PlannedSample:
    """One scenario in one epoch, at its position in the run."""

    position: int
    scenario: Scenario
    epoch: int
    source: SourceRef

    @property
    def sample_id(self) -> str:
        """Id of the sample."""
        return sample_id_of(self.scenario, self.epoch)


@dataclass
class RunPlan:
    """The run id, the suite's files and every sample to play."""

    run_id: str
    inputs: list[InputFile]
    samples: list[PlannedSample] = field(default_factory=list)


def plan_run(request: LiveRunRequest) -> RunPlan:
    """List the samples (scenario order, then epoch) and derive the run id.

    The id covers the ringfence version, the suite's file contents, the target's identity
    (no credentials), the settings that change a sample, the policies and detector settings.
    Rerunning with the same of these gives the same id, which is what resume relies on.
    """
    suite = request.suite
    inputs = _suite_files(suite)
    samples: list[PlannedSample] = []
    for scenario in suite.scenarios:
        located = suite.sources[scenario.id]
        source = SourceRef(path=located.path, sha256=located.sha256)
        for epoch in range(request.settings.epochs):
            samples.append(PlannedSample(len(samples), scenario, epoch, source))
    return RunPlan(_run_id(request, inputs), inputs, samples)


def _suite_files(suite: Suite) -> list[InputFile]:
    """Describe the suite file and every scenario file, with the hashes of the bytes loaded."""
    files = [_describe_file(suite.path / SUITE_FILE)]
    files += [
        InputFile(path=located.path, sha256=located.sha256, size=located.size)
        for located in suite.sources.values()
    ]
    return sorted(files, key=lambda f: Path(f.path))


def _describe_file(path: Path) -> InputFile:
    data = path.read_bytes()
    return InputFile(path=str(path), sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def _run_id(request: LiveRunRequest, inputs: list[InputFile]) -> str:
    scoring = request.scoring
    root = request.suite.path
    identity = {
        "ringfence": __version__,
        "format": LIVE_FORMAT,
        "suite_files": sorted((os.path.relpath(f.path, root), f.sha256) for f in inputs),
        "suite_file": SUITE_FILE,
        "target": request.target.identity(),
        "settings": request.settings.identity(),
        "policies": scoring.policies.fingerprint(),
        "detectors": sorted(scoring.settings.as_dict().items()),
        "names": [scoring.target_name, scoring.target_version, scoring.suite_version],
    }
    digest = hashlib.sha256(orjson.dumps(identity, option=orjson.OPT_SORT_KEYS, default=str))
    return digest.hexdigest()[:32]
