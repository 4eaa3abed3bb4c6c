from pathlib import Path

import pytest

from ringfence.errors import ConfigError
from ringfence.gate import load_gate_policy

VALID = """\
version: 1
name: staging
ring: staging
checks:
  - metric: unauthorized_action_rate
    max: 0.02
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gate.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_policy_loads(tmp_path: Path) -> None:
    policy = load_gate_policy(_write(tmp_path, VALID))
    assert policy.ring is not None
    assert policy.ring.value == "staging"
    assert policy.checks[0].max == 0.02


def test_threshold_out_of_range_names_line(tmp_path: Path) -> None:
    path = _write(tmp_path, VALID.replace("max: 0.02", "max: 2"))
    with pytest.raises(ConfigError) as error:
        load_gate_policy(path)
    message = str(error.value)
    assert f"{path}:6" in message
    assert "checks.0.max" in message
    assert "got 2" in message


def test_unknown_ring_lists_valid(tmp_path: Path) -> None:
    path = _write(tmp_path, VALID.replace("ring: staging", "ring: prod"))
    with pytest.raises(ConfigError) as error:
        load_gate_policy(path)
    assert f"{path}:3" in str(error.value)
    assert "'production'" in str(error.value)


def test_misspelled_field_names_line(tmp_path: Path) -> None:
    path = _write(tmp_path, VALID + "min_sample: 10\n")
    with pytest.raises(ConfigError) as error:
        load_gate_policy(path)
    assert f"{path}:7" in str(error.value)
    assert "remove the field or check its spelling" in str(error.value)


def test_invalid_yaml_names_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "version: 1\nchecks: [\n")
    with pytest.raises(ConfigError) as error:
        load_gate_policy(path)
    assert "invalid YAML" in str(error.value)


def test_missing_file_is_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read file"):
        load_gate_policy(tmp_path / "absent.yaml")


def test_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, VALID.replace("    max: 0.02\n", "    max: 0.02\n    max: 0.5\n"))
    with pytest.raises(ConfigError) as error:
        load_gate_policy(path)
    message = str(error.value)
    assert "key 'max' appears twice, on lines 6 and 7" in message
    assert f"{path}:7" in message


def test_duplicate_tool_rule_rejected(tmp_path: Path) -> None:
    from ringfence.policy import load_tool_policy

    path = tmp_path / "tools.yaml"
    path.write_text(
        "version: 1\nname: t\ntools:\n  send_email: {action: send}\n  send_email: {action: read}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="key 'send_email' appears twice, on lines 4 and 5"):
        load_tool_policy(path)


def test_unknown_policy_name_suggests(tmp_path: Path) -> None:
    from ringfence.policy import resolve_tool_policies

    with pytest.raises(ConfigError, match="did you mean 'agentdojo'"):
        resolve_tool_policies(["agentdjo"])
    with pytest.raises(ConfigError, match="tool policy file not found"):
        resolve_tool_policies([str(tmp_path / "tool.yaml")])
