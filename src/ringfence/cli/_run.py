"""The `run` command: play a scenario suite live against a target, then score and gate it.

Reports, evidence-store records and exit codes are those of `score`, or of `gate` when
--gate-policy is given.
"""

from __future__ import annotations

import logging
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import click
import yaml
from pydantic import ValidationError
from rich.console import Console

from ringfence.cli._app import (
    DEFAULT_STORE,
    EXIT_CANNOT_EVALUATE,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    main,
    out_option,
    report_option,
)
from ringfence.cli._decision_notes import print_decision_notes
from ringfence.cli._gc import fewer_collections, keep_out_of_collections
from ringfence.cli._incidents import deliver_run_incidents, incident_webhook_options
from ringfence.cli._score import CI_CONSOLE_WIDTH, _exit_code, _write_reports
from ringfence.detectors.runner import DetectorSettings
from ringfence.errors import ConfigError, RingfenceError
from ringfence.gate import load_gate_policy
from ringfence.pipeline import ScoreRequest
from ringfence.policy import PolicySet
from ringfence.reports import render_console
from ringfence.results import RunResult
from ringfence.runner import LiveRunRequest, RunSettings, default_progress, run_live
from ringfence.scenarios import Suite, check_suite, load_suite
from ringfence.store import EvidenceStore
from ringfence.targets import TargetConfig
from ringfence.world import world_tool_policy

# Provider SDKs and their HTTP clients log request bodies (prompts) at DEBUG; `-vv` is meant
# for ringfence's own steps, so they stay at WARNING.
_QUIET_LOGGERS = ("openai", "anthropic", "httpx", "httpx2", "httpcore", "httpcore2")

# Defaults that make `ringfence run --target scripted` an offline demo: the bundled starter
# suite, played with a careful agent's fixed replies.
BUNDLED_SUITE = "data/suites/starter"
BUNDLED_SCRIPT = "data/examples/starter-careful.yaml"


def _run_options(func: click.decorators.FC) -> click.decorators.FC:
    options = [
        click.argument("suite_dir", type=click.Path(path_type=Path), required=False),
        click.option(
            "--target",
            "target_kind",
            required=True,
            metavar="KIND",
            help="Target kind: openai, anthropic, callable or scripted.",
        ),
        click.option("--model", help="Model name sent to the provider and recorded."),
        click.option(
            "--base-url",
            metavar="URL",
            help="API base URL (openai, anthropic); default: the SDK's default.",
        ),
        click.option(
            "--api-key-env",
            metavar="NAME",
            help="Name of the environment variable that contains the API key; default: "
            "OPENAI_API_KEY or ANTHROPIC_API_KEY.",
        ),
        click.option(
            "--http-client",
            type=click.Choice(["auto", "aiohttp", "httpx"]),
            default="auto",
            show_default=True,
            help="HTTP transport of the openai and anthropic SDKs; auto takes aiohttp when it "
            "is installed, which is faster under many concurrent calls.",
        ),
        click.option(
            "--param",
            "params",
            multiple=True,
            metavar="KEY=VALUE",
            help="Extra request parameter, VALUE read as YAML (e.g. temperature=0); repeatable.",
        ),
        click.option(
            "--script",
            type=click.Path(path_type=Path),
            help="Reply script file (scripted target); default: the bundled careful agent's "
            "replies for the starter suite.",
        ),
        click.option(
            "--function", metavar="MODULE:FUNCTION", help="Function to call (callable target)."
        ),
        click.option(
            "--epochs",
            type=click.IntRange(min=1),
            default=1,
            show_default=True,
            help="Times each scenario is played.",
        ),
        click.option(
            "--concurrency",
            type=click.IntRange(min=1),
            default=4,
            show_default=True,
            help="Samples played at the same time.",
        ),
        click.option(
            "--timeout",
            "call_timeout_s",
            type=click.FloatRange(min=0, min_open=True),
            default=60.0,
            show_default=True,
            help="Time limit of one model call, seconds.",
        ),
        click.option(
            "--sample-timeout",
            "sample_timeout_s",
            type=click.FloatRange(min=0, min_open=True),
            default=600.0,
            show_default=True,
            help="Time limit of one sample, seconds.",
        ),
        click.option(
            "--max-retries",
            type=click.IntRange(min=0),
            default=3,
            show_default=True,
            help="Retries of a model call after a rate limit, server error or timeout.",
        ),
        click.option(
            "--retry-errors/--keep-errors",
            default=True,
            show_default=True,
            help="When a killed run resumes, play again its finished samples that ended with "
            "an infrastructure error, or keep those errors.",
        ),
        click.option(
            "--max-steps",
            "max_steps_per_turn",
            type=click.IntRange(min=1),
            default=20,
            show_default=True,
            help="Model calls allowed per user turn.",
        ),
        click.option(
            "--gate-policy",
            type=click.Path(path_type=Path),
            help="Gate policy YAML file; the exit code is then the verdict's, as with 'gate'.",
        ),
        click.option(
            "--baseline",
            "baseline_run_id",
            metavar="RUN_ID",
            help="Stored run to check regressions against.",
        ),
        click.option("--allow-yellow", is_flag=True, help="Exit 0 on a yellow verdict."),
        click.option(
            "--store",
            "store_path",
            default=DEFAULT_STORE,
            show_default=True,
            help="Evidence store: a SQLite file path or an SQLAlchemy URL.",
        ),
        click.option(
            "--no-store",
            is_flag=True,
            help="Do not write to the evidence store (a killed run cannot resume).",
        ),
        out_option,
        report_option,
        click.option(
            "--target-name",
            metavar="NAME",
            help="Name of the system under test; default: the model name.",
        ),
        click.option(
            "--target-version",
            metavar="VERSION",
            help="Version of the system under test; default: a hash of the model, "
            "system prompts and tools.",
        ),
        click.option(
            "--plain", is_flag=True, help="Plain output: no colour, and progress as plain lines."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@main.command("run")
@_run_options
@incident_webhook_options
def run_command(**options: Any) -> None:
    """Play the scenarios of SUITE_DIR against a live target, then score (and gate) the run.

    SUITE_DIR defaults to the bundled 60-scenario starter suite.

    A run killed midway resumes when started again with the same suite, target and settings:
    finished samples are kept in the evidence store and only the rest are played.
    """
    for name in _QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    width = None if sys.stdout.isatty() else CI_CONSOLE_WIDTH
    console = Console(no_color=bool(options["plain"]), highlight=False, width=width)
    try:
        with fewer_collections():
            request = _build_request(options)
            keep_out_of_collections()
            result = _run_and_store(request, options)
            deliver_run_incidents(options, result)
            written = _write_reports(result, options)
    except RingfenceError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_CANNOT_EVALUATE if exc.exit_code == 5 else EXIT_USAGE)
    except KeyboardInterrupt:
        kept = (
            "Nothing was stored (--no-store)."
            if options["no_store"]
            else f"The samples that finished are staged in {options['store_path']}; run the "
            "same command again to play only the rest."
        )
        click.echo(f"error: interrupted. {kept}", err=True)
        sys.exit(EXIT_INTERRUPTED)
    render_console(result, console)
    print_decision_notes(result.decision, console)
    for path in written:
        console.print(f"report written: {path}")
    if options["gate_policy"] is not None:
        sys.exit(_exit_code(result, allow_yellow=bool(options["allow_yellow"])))


def _build_request(options: dict[str, Any]) -> LiveRunRequest:
    suite_dir = options["suite_dir"] or _bundled_path(BUNDLED_SUITE)
    suite = _checked_suite(Path(suite_dir))
    script = options["script"]
    if script is None and options["target_kind"] == "scripted":
        script = _bundled_path(BUNDLED_SCRIPT)
    try:
        target = TargetConfig(
            kind=options["target_kind"],
            model=options["model"],
            base_url=options["base_url"],
            api_key_env=options["api_key_env"],
            params=_params(options["params"]),
            script=script,
            function=options["function"],
            timeout_s=options["call_timeout_s"],
            http_client=options["http_client"],
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        option = "--" + "-".join(str(part) for part in error["loc"]).replace("_", "-")
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"invalid {option}: {message}.") from exc
    settings = RunSettings(
        epochs=options["epochs"],
        concurrency=options["concurrency"],
        call_timeout_s=options["call_timeout_s"],
        sample_timeout_s=options["sample_timeout_s"],
        max_retries=options["max_retries"],
        max_steps_per_turn=options["max_steps_per_turn"],
        retry_errors=options["retry_errors"],
    )
    gate_path = options["gate_policy"]
    scoring = ScoreRequest(
        inputs=[],
        input_format="live",
        policies=PolicySet([world_tool_policy()]),
        settings=DetectorSettings(),
        gate_policy=load_gate_policy(Path(gate_path)) if gate_path else None,
        target_name=options["target_name"],
        target_version=options["target_version"],
        baseline_run_id=options["baseline_run_id"],
    )
    return LiveRunRequest(suite=suite, target=target, settings=settings, scoring=scoring)


def _bundled_path(relative: str) -> Path:
    return Path(str(resources.files("ringfence").joinpath(relative)))


def _checked_suite(path: Path) -> Suite:
    suite = load_suite(path)
    errors = [p for p in check_suite(suite) if p.severity == "error"]
    if errors:
        listing = "\n  ".join(str(p) for p in errors)
        raise ConfigError(
            f"the suite has {len(errors)} error(s):\n  {listing}\n",
            path=str(path),
            hint="fix them; 'ringfence' checks suites with check_suite.",
        )
    return suite


def _params(items: tuple[str, ...]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for item in items:
        key, separator, value = item.partition("=")
        if not separator or not key:
            raise ConfigError(f"invalid --param {item!r}.", hint="write it as KEY=VALUE.")
        try:
            params[key] = yaml.safe_load(value) if value else ""
        except yaml.YAMLError as exc:
            raise ConfigError(
                f"invalid --param {item!r}: the value is not valid YAML.",
                hint="quote a text value, for example --param 'stop=[\"END\"]'.",
            ) from exc
    return params


def _run_and_store(request: LiveRunRequest, options: dict[str, Any]) -> RunResult:
    progress = default_progress(plain=bool(options["plain"]))
    if options["no_store"]:
        if request.scoring.baseline_run_id is not None:
            raise ConfigError("--baseline needs the evidence store.", hint="drop --no-store.")
        return run_live(request, None, progress=progress)
    with EvidenceStore.open(str(options["store_path"])) as store:
        return run_live(request, store, progress=progress)
