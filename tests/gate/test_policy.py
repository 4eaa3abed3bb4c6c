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


GOVERNED = (
    VALID
    + """\
regression_budget: 0.02
require_baseline: true
coverage:
  - {segment: privilege, values: [high, critical], min_samples: 20}
  - {segment: language, min_values: 3}
"""
)


def test_governance_fields_load(tmp_path: Path) -> None:
    policy = load_gate_policy(_write(tmp_path, GOVERNED))
    assert policy.regression_budget == 0.02
    assert policy.require_baseline
    assert [c.segment for c in policy.coverage] == ["privilege", "language"]
    assert policy.coverage[0].values == ["high", "critical"]
    assert policy.coverage[1].min_samples == 1
    assert policy.compares_with_baseline


def test_unknown_coverage_segment_names_line(tmp_path: Path) -> None:
    path = _write(tmp_path, GOVERNED.replace("segment: language", "segment: langage"))
    with pytest.raises(ConfigError) as error:
        load_gate_policy(path)
    assert f"{path}:11" in str(error.value)
    assert "unknown segment 'langage'" in str(error.value)


def test_negative_budget_rejected(tmp_path: Path) -> None:
    path = _write(tmp_path, VALID + "    regression_budget: -0.1\n")
    with pytest.raises(ConfigError, match="regression_budget"):
        load_gate_policy(path)


def test_fingerprint_unchanged_without_governance(tmp_path: Path) -> None:
    # The fingerprint ringfence 0.1.0 computed for this policy (model_dump_json of the policy
    # without the governance fields), so the decisions stored under it keep matching.
    policy = load_gate_policy(_write(tmp_path, VALID))
    assert policy.sha256() == "bcdc2ca0947dbc557599c01b85dec2c84d1c5e6a26d5217cf75eae4e2c7cb51f"


def test_fingerprint_covers_governance(tmp_path: Path) -> None:
    plain = load_gate_policy(_write(tmp_path, VALID)).sha256()
    governed = load_gate_policy(_write(tmp_path, GOVERNED)).sha256()
    budgeted = load_gate_policy(_write(tmp_path, VALID + "    regression_budget: 0.01\n"))
    assert len({plain, governed, budgeted.sha256()}) == 3
