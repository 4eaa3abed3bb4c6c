"""Benchmark: score all AgentDojo run files end to end, side by side with reference points.

Each contender runs as its own process, in turn, `--repeat` times; the table shows the median
wall time and the largest peak resident memory (from the kernel's rusage of the child).

- json floor: the standard library reads and parses every file and does nothing else.
- agentdojo: AgentDojo's own results loader (`agentdojo.benchmark.load_suite_results`) computing
  its three headline numbers for the five model/attack rows. Needs `--peer-python`, a Python
  with the `agentdojo` package; left out when not given.
- ringfence: `ringfence score` into a new SQLite store, with every report written: import,
  every detector, every metric, dataset-label metrics, agreement, store and reports.
- ringfence, first detectors only: the same with only the unauthorized-action and
  injection-in-answer detectors (the first release's set), to show what the later detectors
  cost.

Usage:
    python benchmarks/score_agentdojo.py [--runs DIR] [--repeat 3] [--peer-python PATH]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_RUNS = REPO.parent / "shared" / "data" / "agentdojo" / "runs"

LATER_DETECTORS = ("oversight", "gold-actions", "hallucination", "refusal")
"""Detectors added after the first release; skipping them gives the first release's set."""

JSON_FLOOR = """
import json, sys
from pathlib import Path
count = 0
for path in sorted(Path(sys.argv[1]).rglob("*.json")):
    with path.open("rb") as handle:
        json.load(handle)
    count += 1
print(count, "files parsed")
"""


@dataclass
class Measurement:
    """One contender's timings and memory over the repeats."""

    name: str
    wall_s: list[float]
    peak_rss_mb: list[float]


def run_once(command: list[str], cwd: Path) -> tuple[float, float]:
    """Run a command, return (wall seconds, peak RSS in MB); raise when it fails."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{command[0]} failed with status {status}:\n{stderr[-2000:]}")
    return wall, usage.ru_maxrss / 1024


def contenders(runs: Path, peer_python: str | None, work: Path) -> dict[str, list[str]]:
    ringfence = str(Path(sys.executable).with_name("ringfence"))
    commands = {
        "json floor (stdlib json.load)": [sys.executable, "-c", JSON_FLOOR, str(runs)],
        "ringfence score (store + reports)": [
            ringfence,
            "score",
            str(runs),
            "--store",
            str(work / "evidence.sqlite"),
            "--out",
            str(work / "out"),
            "--plain",
        ],
        "ringfence score, first detectors only": [
            ringfence,
            "score",
            str(runs),
            "--store",
            str(work / "evidence.sqlite"),
            "--out",
            str(work / "out"),
            "--plain",
            *[f"--skip-detector={name}" for name in LATER_DETECTORS],
        ],
    }
    if peer_python:
        script = REPO / "benchmarks" / "peers" / "agentdojo_results.py"
        commands["agentdojo 0.1.35 load_suite_results"] = [peer_python, str(script), str(runs)]
    return commands


def measure(runs: Path, repeat: int, peer_python: str | None) -> list[Measurement]:
    results: dict[str, Measurement] = {}
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            for name, command in contenders(runs, peer_python, work).items():
                shutil.rmtree(work / "out", ignore_errors=True)
                (work / "evidence.sqlite").unlink(missing_ok=True)
                wall, rss = run_once(command, work)
                entry = results.setdefault(name, Measurement(name, [], []))
                entry.wall_s.append(wall)
                entry.peak_rss_mb.append(rss)
    return list(results.values())


def print_table(measurements: list[Measurement]) -> None:
    ringfence = next(m for m in measurements if m.name.startswith("ringfence score (store"))
    base = statistics.median(ringfence.wall_s)
    print("| contender | median wall (s) | runs (s) | peak RSS (MB) | wall / ringfence |")
    print("|---|---:|---|---:|---:|")
    for m in measurements:
        median = statistics.median(m.wall_s)
        runs = ", ".join(f"{w:.2f}" for w in m.wall_s)
        print(
            f"| {m.name} | {median:.2f} | {runs} | {max(m.peak_rss_mb):.0f} | {median / base:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=Path, default=DEFAULT_RUNS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--peer-python", help="Python interpreter with agentdojo installed.")
    args = parser.parse_args()
    if not args.runs.is_dir():
        sys.exit(f"AgentDojo runs folder not found: {args.runs}")
    print(
        f"{sum(1 for _ in args.runs.rglob('*.json'))} files in {args.runs}; "
        f"{os.cpu_count()} CPUs; Python {sys.version.split()[0]}"
    )
    print_table(measure(args.runs, args.repeat, args.peer_python))


if __name__ == "__main__":
    main()
