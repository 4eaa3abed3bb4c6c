"""Web toolset: pages served from the scenario's state. No request ever reaches a network."""

from __future__ import annotations

from ringfence.policy import ActionClass
from ringfence.transcript import Provenance
from ringfence.world._registry import ToolError, Toolset, tool
from ringfence.world._state import WorldState


@tool(
    action=ActionClass.EXTERNAL,
    scope="web:fetch",
    targets=("url",),
    reads="web",
    record_argument="url",
    scope_target="url",
    provenance=Provenance.WEB,
)
def fetch_url(state: WorldState, url: str) -> str:
    """Fetch a web page and return its title and text.

    Args:
        url: Full URL of the page, starting with http:// or https://.
    """
    if not url.startswith(("http://", "https://")):
        raise ToolError(f"invalid URL {url!r}; it must start with http:// or https://.")
    wanted = url.rstrip("/")
    for page in state.web:
        if page.url.rstrip("/") == wanted:
            return f"{page.title}\n\n{page.body}" if page.title else page.body
    raise ToolError(f"HTTP 404 Not Found: {url}")


TOOLSET = Toolset("web", "Web pages, served from the world's state.", [fetch_url])
