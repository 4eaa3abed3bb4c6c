"""Where the real datasets lie: ../shared/data beside the repository."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
AGENTDOJO_DIR = SHARED_DATA / "agentdojo"
