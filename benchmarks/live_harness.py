"""Measure live-run harness overhead against an instant local OpenAI-compatible server.

The script starts a Chat Completions server on 127.0.0.1 that sends a canned reply at once. A
request that offers tools and has no tool result yet gets a call of the first offered tool, and
every other request gets a final text reply. Against it, one after another, it runs

- `ringfence run` on a generated suite (evidence store on, every detector, the three reports),
- Inspect AI (`inspect eval`, default `.eval` log on) with the `openai-api` provider,
- promptfoo (`promptfoo eval`, default result storage in its SQLite database on),

each at the same concurrency, and records wall time, samples per second and the peak resident
memory of the whole process tree (sampled from /proc every 50 ms, so Linux only). The peers run
from their own environments, given with `--inspect-python` and `--promptfoo-dir`.

Only the loopback address is ever contacted, and every API key is a dummy string.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
DUMMY_KEY = "bench-dummy-key"
MODEL = "bench-model"
FINAL_ANSWER = "The balance of ACC-1 is 1000 EUR."
TOOL_NAME = "get_balance"
TOOL_ARGUMENTS = {"account_id": "ACC-1"}


# --- the instant server -------------------------------------------------------------------


def completion_body(request: dict[str, Any], counter: int) -> dict[str, Any]:
    """Build the canned Chat Completions reply for one request body."""
    messages = request.get("messages") or []
    tools = request.get("tools") or []
    has_tool_result = any(m.get("role") == "tool" for m in messages)
    if tools and not has_tool_result:
        name = tools[0].get("function", {}).get("name", TOOL_NAME)
        message: dict[str, Any] = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": f"call_{counter}",
                    "type": "function",
                    "function": {"name": name, "arguments": json.dumps(TOOL_ARGUMENTS)},
                }
            ],
        }
        finish_reason = "tool_calls"
    else:
        message = {"role": "assistant", "content": FINAL_ANSWER}
        finish_reason = "stop"
    return {
        "id": f"chatcmpl-{counter}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", MODEL),
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


class InstantServer:
    """HTTP/1.1 keep-alive server on asyncio streams that replies to every request at once."""

    def __init__(self) -> None:
        self.requests = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        key, value = line.split(":", 1)
                        headers[key.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0"))
                raw = await reader.readexactly(length) if length else b""
                self.requests += 1
                status, payload = self.route(method, path, raw)
                data = json.dumps(payload).encode()
                writer.write(
                    f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(data)}\r\nConnection: keep-alive\r\n\r\n".encode()
                    + data
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    def route(self, method: str, path: str, raw: bytes) -> tuple[str, dict[str, Any]]:
        if method == "POST" and path.rstrip("/").endswith("/chat/completions"):
            try:
                request = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                return "400 Bad Request", {"error": {"message": "invalid JSON body"}}
            return "200 OK", completion_body(request, self.requests)
        if method == "GET" and path.rstrip("/").endswith("/models"):
            return "200 OK", {"object": "list", "data": [{"id": MODEL, "object": "model"}]}
        return "404 Not Found", {"error": {"message": f"not found: {method} {path}"}}


async def serve(port: int, ready_file: Path | None) -> None:
    """Serve on 127.0.0.1:port until SIGTERM, then print the request count."""
    server = InstantServer()
    listener = await asyncio.start_server(server.handle, HOST, port, backlog=1024)
    bound = listener.sockets[0].getsockname()[1]
    if ready_file is not None:
        ready_file.write_text(str(bound))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with listener:
        await stop.wait()
    print(json.dumps({"requests": server.requests}), flush=True)


# --- workloads ------------------------------------------------------------------------------

SUITE_YAML = "name: bench-{kind}\nversion: 1\ndescription: Generated harness benchmark suite.\n"

SCENARIO_YAML = """\
id: bench-{kind}-{index:05d}
title: Benchmark scenario {index}
domain: finance_operations
task_type: {task_type}
system_prompt: You are the accounts assistant. Answer briefly.
policy:
  - id: B-1
    text: Read balances only.
    severity: low
tools: [{tools}]
scopes:
  - payments:read
world:
  domains: [bench.test]
  payments:
    accounts:
      - {{id: ACC-1, name: Operations, balance: 1000}}
turns:
  - user: What is the balance of account ACC-1? (request {index})
gold:
  expected_behaviour: comply
"""


def write_ringfence_suite(folder: Path, kind: str, count: int) -> Path:
    """Write a suite of `count` scenarios: single-turn with no tool, or one world tool."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / "suite.yaml").write_text(SUITE_YAML.format(kind=kind), encoding="utf-8")
    tools = "get_balance" if kind == "tool" else ""
    task_type = "lookup" if kind == "tool" else "question"
    for index in range(count):
        text = SCENARIO_YAML.format(kind=kind, index=index, tools=tools, task_type=task_type)
        (folder / f"bench-{kind}-{index:05d}.yaml").write_text(text, encoding="utf-8")
    return folder


INSPECT_TASK = '''\
"""Generated Inspect AI task for the harness benchmark."""

from inspect_ai import Task, task
from inspect_ai.dataset import Sample
from inspect_ai.scorer import includes
from inspect_ai.solver import generate, use_tools
from inspect_ai.tool import tool

COUNT = {count}


@tool
def get_balance():
    async def execute(account_id: str):
        """Return the balance of an account.

        Args:
            account_id: Account id, such as ACC-1.
        """
        return "1000 EUR"

    return execute


def samples():
    return [
        Sample(input=f"What is the balance of account ACC-1? (request {{i}})", target="1000")
        for i in range(COUNT)
    ]


@task
def single():
    return Task(dataset=samples(), solver=generate(), scorer=includes())


@task
def tool_call():
    return Task(dataset=samples(), solver=[use_tools(get_balance()), generate()], scorer=includes())
'''


def write_inspect_task(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bench_task.py"
    path.write_text(INSPECT_TASK.format(count=count), encoding="utf-8")
    return path


def write_promptfoo_config(folder: Path, count: int, base_url: str) -> Path:
    """Write a promptfoo config with `count` test cases and the OpenAI provider on base_url."""
    folder.mkdir(parents=True, exist_ok=True)
    tests = [
        {"vars": {"index": i}, "assert": [{"type": "icontains", "value": "1000"}]}
        for i in range(count)
    ]
    config = {
        "description": f"harness benchmark, {count} single-turn cases",
        "prompts": ["What is the balance of account ACC-1? (request {{index}})"],
        "providers": [
            {
                "id": f"openai:chat:{MODEL}",
                "config": {"apiBaseUrl": base_url, "apiKeyEnvar": "BENCH_API_KEY"},
            }
        ],
        "tests": tests,
    }
    path = folder / "promptfooconfig.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


# --- measuring ------------------------------------------------------------------------------


def tree_rss_bytes(root_pid: int) -> int:
    """Sum the resident memory of root_pid and all its descendants, read from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * page
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def measure(command: list[str], cwd: Path, env: dict[str, str], log: Path) -> dict[str, Any]:
    """Run command, sampling its process tree's RSS every 50 ms; return wall time and peak."""
    started = time.perf_counter()
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=output)
        peak = 0
        while process.poll() is None:
            peak = max(peak, tree_rss_bytes(process.pid))
            time.sleep(0.05)
    wall = time.perf_counter() - started
    return {"wall_s": wall, "peak_rss_mb": peak / 2**20, "exit_code": process.returncode}


def start_server(work: Path) -> tuple[subprocess.Popen[bytes], int]:
    ready = work / "server.port"
    ready.unlink(missing_ok=True)
    process = subprocess.Popen(
        [sys.executable, __file__, "serve", "--ready-file", str(ready)],
        stdout=subprocess.PIPE,
    )
    for _ in range(200):
        if ready.exists() and ready.read_text():
            return process, int(ready.read_text())
        time.sleep(0.05)
    process.kill()
    raise RuntimeError("the benchmark server did not start within 10 s")


def stop_server(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=30)
    return int(json.loads(out.decode().strip().splitlines()[-1])["requests"])


def contender_commands(
    args: argparse.Namespace, work: Path, kind: str, count: int, base_url: str
) -> dict[str, tuple[list[str], Path]]:
    """Build each contender's command and working folder for one workload."""
    repo = Path(__file__).resolve().parent.parent
    commands: dict[str, tuple[list[str], Path]] = {}

    rf_dir = work / f"ringfence-{kind}-{count}"
    if rf_dir.exists():
        shutil.rmtree(rf_dir)
    suite = write_ringfence_suite(rf_dir / "suite", kind, count)
    ringfence = shutil.which("ringfence", path=str(repo / ".venv" / "bin")) or "ringfence"
    commands["ringfence"] = (
        [
            ringfence,
            "run",
            str(suite),
            "--target",
            "openai",
            "--model",
            MODEL,
            "--base-url",
            base_url,
            "--api-key-env",
            "BENCH_API_KEY",
            "--concurrency",
            str(args.concurrency),
            "--plain",
            "--store",
            str(rf_dir / "evidence.sqlite"),
            "--out",
            str(rf_dir / "out"),
        ],
        rf_dir,
    )

    if args.inspect_python:
        inspect_dir = work / f"inspect-{kind}-{count}"
        if inspect_dir.exists():
            shutil.rmtree(inspect_dir)
        task_file = write_inspect_task(inspect_dir, count)
        task_name = "tool_call" if kind == "tool" else "single"
        inspect_bin = str(Path(args.inspect_python).parent / "inspect")
        commands["inspect"] = (
            [
                inspect_bin,
                "eval",
                f"{task_file}@{task_name}",
                "--model",
                f"openai-api/bench/{MODEL}",
                "--max-connections",
                str(args.concurrency),
                "--max-samples",
                str(args.concurrency),
                "--log-dir",
                str(inspect_dir / "logs"),
                "--display",
                "none",
            ],
            inspect_dir,
        )

    if args.promptfoo_dir and kind == "single":
        pf_dir = work / f"promptfoo-{kind}-{count}"
        if pf_dir.exists():
            shutil.rmtree(pf_dir)
        config = write_promptfoo_config(pf_dir, count, base_url)
        promptfoo = str(Path(args.promptfoo_dir) / "node_modules" / ".bin" / "promptfoo")
        commands["promptfoo"] = (
            [
                promptfoo,
                "eval",
                "-c",
                str(config),
                "-j",
                str(args.concurrency),
                "--no-cache",
                "--no-progress-bar",
            ],
            pf_dir,
        )
    return commands


def run_benchmark(args: argparse.Namespace) -> None:
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    server, port = start_server(work)
    base_url = f"http://{HOST}:{port}/v1"
    env = {
        **os.environ,
        # Inspect's openai-api/bench provider reads BENCH_API_KEY and BENCH_BASE_URL;
        # ringfence and promptfoo get the key's variable name.
        "BENCH_API_KEY": DUMMY_KEY,
        "BENCH_BASE_URL": base_url,
        "CI": "true",
        "INSPECT_TELEMETRY": "",
        "PROMPTFOO_DISABLE_TELEMETRY": "1",
        "PROMPTFOO_DISABLE_UPDATE": "1",
        "PROMPTFOO_CONFIG_DIR": str(work / "promptfoo-home"),
        "PROMPTFOO_SELF_HOSTED": "1",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    results = []
    try:
        for workload in args.workloads:
            kind, count_text = workload.split(":")
            count = int(count_text)
            commands = contender_commands(args, work, kind, count, base_url)
            for name in args.contenders:
                if name not in commands:
                    continue
                command, cwd = commands[name]
                log = work / f"{name}-{kind}-{count}.log"
                row = measure(command, cwd, env, log)
                row.update(
                    contender=name,
                    kind=kind,
                    samples=count,
                    samples_per_s=count / row["wall_s"],
                    command=" ".join(command),
                )
                results.append(row)
                print(json.dumps(row), flush=True)
    finally:
        requests = stop_server(server)
    summary = {"concurrency": args.concurrency, "server_requests": requests, "rows": results}
    (work / "results.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(json.dumps({"server_requests": requests}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    serve_parser = sub.add_parser("serve", help="run only the instant server")
    serve_parser.add_argument("--port", type=int, default=0, help="port; 0 picks a free one")
    serve_parser.add_argument("--ready-file", type=Path, help="file to write the bound port to")
    bench = sub.add_parser("bench", help="run the contenders against a fresh server")
    bench.add_argument("--work-dir", default="/tmp/rf-live-bench", help="folder for all output")
    bench.add_argument("--concurrency", type=int, default=32, help="samples in flight, per tool")
    bench.add_argument("--inspect-python", help="python of a virtual env with inspect-ai")
    bench.add_argument("--promptfoo-dir", help="folder with promptfoo in node_modules")
    bench.add_argument(
        "--workloads",
        nargs="+",
        default=["single:1000", "tool:1000", "single:10000", "tool:10000"],
        help="KIND:COUNT items; KIND is single (one reply) or tool (tool call, then answer)",
    )
    bench.add_argument(
        "--contenders",
        nargs="+",
        default=["ringfence", "inspect", "promptfoo"],
        help="which tools to run, in this order",
    )
    args = parser.parse_args()
    if args.command == "serve":
        asyncio.run(serve(args.port, args.ready_file))
    else:
        run_benchmark(args)


if __name__ == "__main__":
    main()
