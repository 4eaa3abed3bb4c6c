"""Commands that score recorded runs: `score`, `gate`, `check-policy` and `runs`."""

from __future__ import annotations

import logging
import sys
from importlib import resources
from pathlib import Path

import click
from rich.console import Console

from ringfence.cli._app import (
    DEFAULT_STORE,
    EXIT_CANNOT_EVALUATE,
    EXIT_GREEN,
    EXIT_RED,
    EXIT_USAGE,
    EXIT_YELLOW,
    main,
    out_option,
    report_option,
)
from ringfence.cli._decision_notes import print_decision_notes
from ringfence.cli._gc import fewer_collections
from ringfence.cli._incidents import deliver_run_incidents, incident_webhook_options
from ringfence.detectors.runner import DetectorSettings
from ringfence.detectors.unauthorized import UnauthorizedActionSettings
from ringfence.errors import RingfenceError, StoreError
from ringfence.gate import GatePolicy, Verdict, load_gate_policy
from ringfence.importers import importer_names
from ringfence.judge import Judge
from ringfence.pipeline import ScoreRequest, score, score_into_store
from ringfence.policy import load_tool_policy, resolve_tool_policies
from ringfence.reports import parse_formats, render_console, write_reports
from ringfence.results import RunResult
from ringfence.store import EvidenceStore
from ringfence.targets import TargetConfig

CI_CONSOLE_WIDTH = 150
EXAMPLE_DIR = "data/examples"

logger = logging.getLogger("ringfence")


DEFAULT_TOOL_POLICIES: dict[str, tuple[str, ...]] = {
    "agentdojo": ("agentdojo",),
    "taubench": ("taubench",),
    "injecagent": ("injecagent",),
    "rjudge": ("generic",),
    "palisade": ("generic",),
}
"""Tool policies used for a format when --tool-policy is not given."""

OPTIONAL_DETECTORS = {
    "answer": "answer_detector",
    "oversight": "oversight_detector",
    "gold-actions": "gold_action_detector",
    "hallucination": "hallucination_detector",
    "refusal": "refusal_detector",
}
"""--skip-detector names and the DetectorSettings switch each one turns off."""


def _score_options(func: click.decorators.FC) -> click.decorators.FC:
    options = [
        click.argument("inputs", nargs=-1, type=click.Path(path_type=Path)),
        click.option(
            "--format",
            "input_format",
            default="agentdojo",
            show_default=True,
            type=click.Choice(importer_names()),
            help="Format of the input files.",
        ),
        click.option(
            "--tool-policy",
            "tool_policies",
            multiple=True,
            metavar="FILE|NAME",
            help="Tool policy YAML file or bundled name (such as 'agentdojo'); repeat to combine.",
        ),
        click.option(
            "--gate-policy",
            type=click.Path(path_type=Path),
            help="Gate policy YAML file. 'gate' exits with the verdict's code; 'score' only "
            "reports the decision.",
        ),
        click.option(
            "--baseline",
            "baseline_run_id",
            metavar="RUN_ID",
            help="Stored run to check regressions against; default: the run of the latest "
            "green decision for the same target, suite version and ring.",
        ),
        click.option(
            "--allow-yellow",
            is_flag=True,
            help="With 'gate': exit 0 on a yellow verdict instead of 3.",
        ),
        click.option(
            "--store",
            "store_path",
            default=DEFAULT_STORE,
            show_default=True,
            help="Evidence store: a SQLite file path or an SQLAlchemy URL.",
        ),
        click.option("--no-store", is_flag=True, help="Do not write to the evidence store."),
        out_option,
        report_option,
        click.option(
            "--skip-detector",
            "skipped_detectors",
            multiple=True,
            type=click.Choice(sorted(OPTIONAL_DETECTORS)),
            help="Turn off a detector (repeatable). The unauthorized-action detector always runs.",
        ),
        click.option(
            "--judge-target",
            type=click.Choice(["openai", "anthropic", "callable", "scripted"]),
            help="Grade refusal quality with an LLM judge reached like a target (optional).",
        ),
        click.option("--judge-model", metavar="MODEL", help="Model of the judge target."),
        click.option(
            "--judge-base-url", metavar="URL", help="Base URL of an OpenAI-compatible judge."
        ),
        click.option(
            "--judge-api-key-env",
            metavar="NAME",
            help="Environment variable holding the judge's API key (the key is never stored).",
        ),
        click.option(
            "--judge-script",
            type=click.Path(path_type=Path),
            help="Reply script of a scripted judge (for tests and demos).",
        ),
        click.option(
            "--ignore-known-injections",
            is_flag=True,
            help="Find injected instructions by pattern only, ignoring the attack "
            "text the input records.",
        ),
        click.option(
            "--target",
            "target_name",
            metavar="NAME",
            help="Name of the system under test; default: the single model seen.",
        ),
        click.option(
            "--target-version",
            metavar="VERSION",
            help="Version of the system under test; default: a hash of the models, "
            "system prompts and tool policies seen.",
        ),
        click.option(
            "--suite-version",
            metavar="VERSION",
            help="Version of the suite the samples come from; default: the one the "
            "samples record, if they agree.",
        ),
        click.option("--plain", is_flag=True, help="Plain console output without colour."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@main.command("score")
@_score_options
def score_command(**options: object) -> None:
    """Score recorded agent runs; gate them when --gate-policy is given.

    With no INPUTS, scores the bundled example transcripts with the bundled example policies.
    """
    _run(options, require_gate=False)


@main.command("gate")
@_score_options
@incident_webhook_options
def gate_command(**options: object) -> None:
    """Score recorded agent runs and gate them (a gate policy is required)."""
    _run(options, require_gate=True)


def _run(options: dict[str, object], *, require_gate: bool) -> None:
    # Without a terminal (CI logs), rich would wrap tables at 80 columns.
    width = None if sys.stdout.isatty() else CI_CONSOLE_WIDTH
    console = Console(no_color=bool(options["plain"]), highlight=False, width=width)
    try:
        with fewer_collections():
            request = _build_request(options, require_gate=require_gate)
            result = _score_and_store(request, options)
            deliver_run_incidents(options, result)
            written = _write_reports(result, options)
    except RingfenceError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_CANNOT_EVALUATE if exc.exit_code == 5 else EXIT_USAGE)
    render_console(result, console)
    print_decision_notes(result.decision, console)
    for path in written:
        console.print(f"report written: {path}")
    if require_gate:
        sys.exit(_exit_code(result, allow_yellow=bool(options["allow_yellow"])))


def _write_reports(result: RunResult, options: dict[str, object]) -> list[Path]:
    out_dir = Path(str(options["out_dir"]))
    try:
        formats = parse_formats([str(f) for f in options["report_formats"]])  # type: ignore[attr-defined]
        return list(write_reports(result, out_dir, formats).values())
    except ValueError as exc:
        raise RingfenceError(f"invalid --report value: {exc}") from exc
    except OSError as exc:
        raise StoreError(
            f"cannot write reports to {out_dir}: {exc.strerror}. Choose another --out "
            "folder; a run already in the store is reused, so scoring again is quick."
        ) from exc


def _build_request(options: dict[str, object], *, require_gate: bool) -> ScoreRequest:
    inputs = [Path(str(p)) for p in options["inputs"]]  # type: ignore[attr-defined]
    input_format = str(options["input_format"])
    tool_policies = [str(p) for p in options["tool_policies"]]  # type: ignore[attr-defined]
    gate_path = options["gate_policy"]
    if not inputs:
        inputs, input_format, tool_policies, gate_path = _bundled_example(gate_path)
    if not tool_policies:
        tool_policies = list(DEFAULT_TOOL_POLICIES.get(input_format, ()))
    if not tool_policies:
        raise RingfenceError(
            f"no tool policy given for format '{input_format}'. Pass --tool-policy FILE "
            "(see docs/tool-policy.md)."
        )
    if require_gate and gate_path is None:
        raise RingfenceError("'ringfence gate' needs --gate-policy FILE.")
    gate_policy: GatePolicy | None = load_gate_policy(Path(str(gate_path))) if gate_path else None
    skipped = {str(name) for name in options["skipped_detectors"]}  # type: ignore[attr-defined]
    settings = DetectorSettings(
        unauthorized=UnauthorizedActionSettings(
            use_known_injections=not options["ignore_known_injections"]
        ),
        **{OPTIONAL_DETECTORS[name]: False for name in skipped},
    )
    return ScoreRequest(
        inputs,
        input_format,
        resolve_tool_policies(tool_policies),
        settings,
        gate_policy,
        target_name=_text_option(options, "target_name"),
        target_version=_text_option(options, "target_version"),
        suite_version=_text_option(options, "suite_version"),
        baseline_run_id=_text_option(options, "baseline_run_id"),
        judge=_judge(options),
    )


def _text_option(options: dict[str, object], name: str) -> str | None:
    value = options.get(name)
    return str(value) if value is not None else None


def _bundled_example(gate_path: object) -> tuple[list[Path], str, list[str], object]:
    root = resources.files("ringfence").joinpath(EXAMPLE_DIR)
    folder = Path(str(root))
    gate = gate_path if gate_path is not None else folder / "gate-policy.yaml"
    return ([folder / "support-agent.jsonl"], "jsonl", [str(folder / "support-tools.yaml")], gate)


def _score_and_store(request: ScoreRequest, options: dict[str, object]) -> RunResult:
    if options["no_store"]:
        return score(request)
    with EvidenceStore.open(str(options["store_path"])) as store:
        if request.judge is not None:
            request.judge.store = store
        return score_into_store(request, store)


def _judge(options: dict[str, object]) -> Judge | None:
    kind = options.get("judge_target")
    if not kind:
        return None
    config = TargetConfig(
        kind=str(kind),
        model=_text_option(options, "judge_model"),
        base_url=_text_option(options, "judge_base_url"),
        api_key_env=_text_option(options, "judge_api_key_env"),
        script=Path(str(options["judge_script"])) if options.get("judge_script") else None,
    )
    return Judge(config)


def _exit_code(result: RunResult, *, allow_yellow: bool) -> int:
    if result.decision is None:
        return EXIT_GREEN
    verdict = result.decision.verdict
    if verdict is Verdict.GREEN:
        return EXIT_GREEN
    if verdict is Verdict.YELLOW:
        return EXIT_GREEN if allow_yellow else EXIT_YELLOW
    if verdict is Verdict.RED:
        return EXIT_RED
    return EXIT_CANNOT_EVALUATE


@main.command("check-policy")
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--kind",
    type=click.Choice(["tool", "gate"]),
    default="tool",
    show_default=True,
    help="Which kind of policy the file is.",
)
def check_policy_command(path: Path, kind: str) -> None:
    """Validate a tool policy or gate policy file and report the first error with its line."""
    try:
        if kind == "tool":
            policy = load_tool_policy(path)
            click.echo(f"{path}: valid tool policy '{policy.name}' with {len(policy.tools)} tools")
        else:
            gate = load_gate_policy(path)
            click.echo(f"{path}: valid gate policy '{gate.name}' with {len(gate.checks)} checks")
    except RingfenceError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE)


@main.command("runs")
@click.option(
    "--store",
    "store_path",
    default=DEFAULT_STORE,
    show_default=True,
    help="Evidence store: a SQLite file path or an SQLAlchemy URL.",
)
def runs_command(store_path: str) -> None:
    """List the runs in the evidence store."""
    try:
        with EvidenceStore.open(store_path, must_exist=True) as store:
            runs = store.list_runs()
    except RingfenceError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_CANNOT_EVALUATE)
    for run in runs:
        first = run.inputs[0].path if run.inputs else "-"
        more = f" (+{len(run.inputs) - 1} files)" if len(run.inputs) > 1 else ""
        click.echo(
            f"{run.run_id}  {run.created_at}  ringfence {run.ringfence_version}  "
            f"{run.sample_count} samples  {first}{more}"
        )
