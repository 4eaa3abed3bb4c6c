"""Where the real datasets lie: ../shared/data beside the repository."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
AGENTDOJO_DIR = SHARED_DATA / "agentdojo"
TAUBENCH_AIRLINE = SHARED_DATA / "tau-bench" / "historical_trajectories" / "gpt-4o-airline.json"
RJUDGE_DIR = SHARED_DATA / "r-judge" / "data"
INJECAGENT_RESULTS = SHARED_DATA / "injecagent" / "results"
PALISADE_LOGS = SHARED_DATA / "palisade-robot-shutdown-resistance" / "logs"
