"""ringfence: safety metrics and release gates for LLM systems and tool-using agents."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ringfence")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
