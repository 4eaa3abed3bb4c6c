"""A killed live run resumes, and no credential reaches the store, the logs or the reports.

`ringfence run` runs in a subprocess against a fake OpenAI-compatible server on 127.0.0.1.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.runner.agents import CAREFUL, ScriptedAgent
from tests.runner.fake_provider import FakeProvider, FakeResponse, RecordedRequest, running
from tests.runner.helpers import KEY_ENV, SECRET_KEY
from tests.runner.starter import five_scenario_suite

CLI = [sys.executable, "-c", "from ringfence.cli import main; main()"]
EPOCHS = 2
SAMPLES = 5 * EPOCHS


class _Slow:
    """The careful agent, replying to each call after `delay_s` seconds."""

    def __init__(self, agent: ScriptedAgent, delay_s: float) -> None:
        self.agent = agent
        self.delay_s = delay_s

    def __call__(self, request: RecordedRequest) -> FakeResponse:
        response = self.agent(request)
        response.delay_s = self.delay_s
        return response


def _command(suite: Path, fake: FakeProvider, store: Path, out: Path) -> list[str]:
    return [
        *CLI,
        "-vv",
        "run",
        str(suite),
        "--target", "openai",
        "--model", "fake-model",
        "--base-url", fake.base_url,
        "--api-key-env", KEY_ENV,
        "--epochs", str(EPOCHS),
        "--concurrency", "1",
        "--timeout", "10",
        "--store", str(store),
        "--out", str(out),
        "--plain",
    ]  # fmt: skip


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env[KEY_ENV] = SECRET_KEY
    env.pop("RINGFENCE_INCIDENT_WEBHOOK", None)
    return env


def _count(store: Path, query: str) -> int:
    with sqlite3.connect(store) as conn:
        return int(conn.execute(query).fetchone()[0])


def _staged(store: Path) -> int:
    try:
        return _count(store, "SELECT count(*) FROM live_samples")
    except sqlite3.OperationalError:
        return 0  # the store is not created yet


def _first_calls(requests: list[RecordedRequest]) -> int:
    """Samples the server saw start: requests with no assistant message yet."""
    return sum(
        1 for r in requests if not any(m.get("role") == "assistant" for m in r.body["messages"])
    )


def _kill_after_staged(command: list[str], store: Path, wanted: int) -> None:
    process = subprocess.Popen(
        command, env=_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while _staged(store) < wanted and time.monotonic() < deadline:
            assert process.poll() is None, "the run ended before it could be killed"
            time.sleep(0.05)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def test_killed_run_resumes(tmp_path: Path) -> None:
    suite = five_scenario_suite(tmp_path / "suite")
    store = tmp_path / "evidence.sqlite"
    agent = ScriptedAgent(suite, CAREFUL)
    # One server for both runs: its URL is part of the target's identity, so of the run id.
    with running(_Slow(agent, 0.1)) as fake:
        command = _command(suite.path, fake, store, tmp_path / "out")
        _kill_after_staged(command, store, 3)
        staged = _staged(store)
        assert 3 <= staged < SAMPLES
        assert _count(store, "SELECT count(*) FROM runs") == 0

        fake.responder = agent
        before = len(fake.requests)
        done = subprocess.run(
            command, env=_environment(), capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert _first_calls(fake.requests[before:]) == SAMPLES - staged

    assert _count(store, "SELECT count(*) FROM runs") == 1
    assert _count(store, "SELECT count(*) FROM samples") == SAMPLES
    assert _count(store, "SELECT count(DISTINCT sample_id) FROM samples") == SAMPLES
    assert _count(store, "SELECT count(*) FROM live_samples") == 0
    assert f"{staged} finished before" in done.stderr


def test_finished_run_is_reused(tmp_path: Path) -> None:
    suite = five_scenario_suite(tmp_path / "suite")
    store = tmp_path / "evidence.sqlite"
    with running(ScriptedAgent(suite, CAREFUL)) as fake:
        command = _command(suite.path, fake, store, tmp_path / "out")
        first = subprocess.run(command, env=_environment(), capture_output=True, timeout=60)
        assert first.returncode == 0
        calls = len(fake.requests)
        second = subprocess.run(command, env=_environment(), capture_output=True, timeout=60)
        assert second.returncode == 0
        assert len(fake.requests) == calls
    assert _count(store, "SELECT count(*) FROM runs") == 1


def test_api_key_never_stored_or_logged(tmp_path: Path) -> None:
    suite = five_scenario_suite(tmp_path / "suite")
    store = tmp_path / "evidence.sqlite"
    out = tmp_path / "out"
    with running(ScriptedAgent(suite, CAREFUL)) as fake:
        done = subprocess.run(
            _command(suite.path, fake, store, out),
            env=_environment(),
            capture_output=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    # The key did reach the server, so it was in use during the run.
    headers = {k.lower(): v for k, v in fake.requests[0].headers.items()}
    assert headers["authorization"] == f"Bearer {SECRET_KEY}"
    secret = SECRET_KEY.encode()
    assert secret not in done.stdout
    assert secret not in done.stderr
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".yaml"]
    assert any(p.name.startswith("evidence.sqlite") for p in files)
    assert len([p for p in out.iterdir()]) >= 3
    for path in files:
        assert secret not in path.read_bytes(), path


def test_interrupted_run_says_how_to_resume(tmp_path: Path) -> None:
    suite = five_scenario_suite(tmp_path / "suite")
    store = tmp_path / "evidence.sqlite"
    with running(_Slow(ScriptedAgent(suite, CAREFUL), 0.1)) as fake:
        command = _command(suite.path, fake, store, tmp_path / "out")
        process = subprocess.Popen(
            command, env=_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 30
        while _staged(store) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "error: interrupted." in stderr
    assert "run the same command again" in stderr
    assert "Traceback" not in stderr
    assert 2 <= _staged(store) < SAMPLES
