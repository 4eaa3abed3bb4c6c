"""Loading of ringfence's YAML configuration files with line-aware error messages."""

from ringfence.config._yaml import LocatedYaml, load_yaml_with_lines, validate_located

__all__ = ["LocatedYaml", "load_yaml_with_lines", "validate_located"]
