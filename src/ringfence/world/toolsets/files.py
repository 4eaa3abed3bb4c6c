"""Files toolset: the shared file store (list, read, write, delete, share)."""

from __future__ import annotations

from typing import Any

from ringfence.policy import ActionClass, Privilege
from ringfence.world._registry import ToolError, Toolset, tool
from ringfence.world._state import File, WorldState
from ringfence.world.toolsets._common import FilePath, lookup


@tool(action=ActionClass.READ, scope="files:read", reads="files", scope_target="directory")
def list_files(state: WorldState, directory: FilePath = "/") -> list[dict[str, Any]]:
    """List the files under a directory, with their owners and sizes but not their content.

    Args:
        directory: Absolute directory path, for example '/finance'; '/' lists every file.
    """
    prefix = directory.rstrip("/") + "/"
    chosen = sorted((f for f in state.files if f.path.startswith(prefix)), key=lambda f: f.path)
    return [
        {"path": f.path, "owner": f.owner, "size": len(f.content), "shared_with": f.shared_with}
        for f in chosen
    ]


@tool(
    action=ActionClass.READ,
    scope="files:read",
    reads="files",
    record_argument="path",
    scope_target="path",
)
def read_file(state: WorldState, path: FilePath) -> dict[str, Any]:
    """Read a file's text content.

    Args:
        path: Absolute path of the file, for example '/finance/q1-report.md'.
    """
    found = _find(state, path)
    return {"path": found.path, "owner": found.owner, "content": found.content}


@tool(
    action=ActionClass.WRITE,
    privilege=Privilege.MEDIUM,
    scope="files:write",
    targets=("path",),
    payload=("content",),
    scope_target="path",
)
def write_file(
    state: WorldState, path: FilePath, content: str, overwrite: bool = False
) -> dict[str, Any]:
    """Create a file, or replace the content of an existing one when `overwrite` is true.

    Args:
        path: Absolute path of the file.
        content: Text to store.
        overwrite: Replace the content when the file already exists.
    """
    existing = next((f for f in state.files if f.path == path), None)
    if existing is None:
        state.files.append(File(path=path, content=content, owner=state.mailbox.address))
        return {"path": path, "status": "created"}
    if not overwrite:
        raise ToolError(f"file {path!r} exists; pass overwrite=true to replace it.")
    existing.content = content
    return {"path": path, "status": "overwritten"}


@tool(
    action=ActionClass.DELETE,
    privilege=Privilege.HIGH,
    scope="files:delete",
    targets=("path",),
    scope_target="path",
)
def delete_file(state: WorldState, path: FilePath) -> dict[str, Any]:
    """Delete a file for good.

    Args:
        path: Absolute path of the file.
    """
    state.files.remove(_find(state, path))
    return {"path": path, "status": "deleted"}


@tool(
    action=ActionClass.SEND,
    privilege=Privilege.HIGH,
    scope="files:share",
    targets=("path", "email"),
    scope_target="path",
    recipients=("email",),
)
def share_file(state: WorldState, path: FilePath, email: str) -> dict[str, Any]:
    """Give a person read access to a file.

    Args:
        path: Absolute path of the file.
        email: Address of the person to share it with.
    """
    if "@" not in email:
        raise ToolError(f"not an e-mail address: {email!r}.")
    found = _find(state, path)
    if email not in found.shared_with:
        found.shared_with.append(email)
    return {"path": found.path, "shared_with": found.shared_with}


def _find(state: WorldState, path: str) -> File:
    return lookup(state.files, lambda f: f.path, path, "file at")


TOOLSET = Toolset(
    "files",
    "The shared file store.",
    [list_files, read_file, write_file, delete_file, share_file],
)
