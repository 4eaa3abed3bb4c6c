"""Importers: turn recorded runs into normalized transcripts, one sample at a time."""

from ringfence.importers import agentdojo as _agentdojo  # noqa: F401  (registers itself)
from ringfence.importers import injecagent as _injecagent  # noqa: F401  (registers itself)
from ringfence.importers import jsonl as _jsonl  # noqa: F401  (registers itself)
from ringfence.importers import palisade as _palisade  # noqa: F401  (registers itself)
from ringfence.importers import rjudge as _rjudge  # noqa: F401  (registers itself)
from ringfence.importers import taubench as _taubench  # noqa: F401  (registers itself)
from ringfence.importers._base import (
    Importer,
    ImportItem,
    get_importer,
    importer_names,
    register_importer,
)
from ringfence.importers.agentdojo import AgentDojoImporter
from ringfence.importers.jsonl import JsonlImporter

__all__ = [
    "AgentDojoImporter",
    "ImportItem",
    "Importer",
    "JsonlImporter",
    "get_importer",
    "importer_names",
    "register_importer",
]
