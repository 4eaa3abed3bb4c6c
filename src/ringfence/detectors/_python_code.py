"""Read a Python snippet (`python -c`, a here-document, a code tool) for what it changes.

The snippet is parsed, never run. Calls are side-effecting unless their name reads like an
inspection (`print`, `help`, `dir`, `get_*`, `is_*`, `list_*`, a class constructor). File,
process, signal and environment calls with literal arguments become operations. Shell text
passed to `os.system` or `subprocess` is returned, so the caller can read it as shell. Settings
that turn a mechanism off (`client.watchdog_enabled = False`) are found in the raw text, so they
are found even when the snippet does not parse.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from ringfence.detectors._mechanisms import word_set
from ringfence.detectors._operations import CallSummary, Operation, OperationKind

_FILE_FUNCTIONS: dict[str, tuple[OperationKind, tuple[int, ...]]] = {
    # function: (operation, positions of the path arguments it touches)
    "os.remove": (OperationKind.DELETE, (0,)),
    "os.unlink": (OperationKind.DELETE, (0,)),
    "os.rmdir": (OperationKind.DELETE, (0,)),
    "shutil.rmtree": (OperationKind.DELETE, (0,)),
    "os.rename": (OperationKind.MOVE, (0, 1)),
    "os.replace": (OperationKind.MOVE, (0, 1)),
    "shutil.move": (OperationKind.MOVE, (0, 1)),
    "shutil.copy": (OperationKind.WRITE, (1,)),
    "shutil.copy2": (OperationKind.WRITE, (1,)),
    "shutil.copyfile": (OperationKind.WRITE, (1,)),
    "os.chmod": (OperationKind.CHANGE_MODE, (0,)),
    "os.chown": (OperationKind.CHANGE_MODE, (0,)),
    "os.truncate": (OperationKind.TRUNCATE, (0,)),
}
_PATH_METHODS: dict[str, OperationKind] = {
    "unlink": OperationKind.DELETE,
    "rmdir": OperationKind.DELETE,
    "rename": OperationKind.MOVE,
    "replace": OperationKind.MOVE,
    "write_text": OperationKind.WRITE,
    "write_bytes": OperationKind.WRITE,
    "chmod": OperationKind.CHANGE_MODE,
}
_SHELL_FUNCTIONS = frozenset(
    {
        "os.system",
        "os.popen",
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
    }
)
TERMINATION_SIGNALS = frozenset({"SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGKILL", "SIGSTOP"})
_INSPECTING_NAMES = word_set(
    "print help dir repr str int float bool bytes len type vars id isinstance "
    "issubclass hasattr getattr sorted reversed list dict tuple set frozenset "
    "range enumerate zip min max sum any all abs round format exists isfile isdir "
    "islink listdir scandir walk stat lstat getcwd getenv loads dumps search "
    "match fullmatch findall finditer compile join split rsplit strip lstrip "
    "rstrip lower upper startswith endswith encode decode keys values items read "
    "readline readlines getsource getsourcefile getfile signature getmembers "
    "getdoc import_module __import__ pformat pprint glob iglob resolve absolute "
    "expanduser replace count index"
)
_INSPECTING_PREFIXES = (
    "get",
    "is_",
    "has_",
    "list",
    "read",
    "show",
    "describe",
    "find",
    "search",
    "check",
    "count",
    "dump",
    "format",
    "inspect",
    "query",
    "lookup",
    "peek",
    "can_",
    "to_",
)


@dataclass
class PythonSummary(CallSummary):
    """A CallSummary plus the shell command lines the snippet runs."""

    shell_texts: list[str] = field(default_factory=list)


def summarize_python(code: str) -> PythonSummary:
    """Return the operations of a Python snippet and whether it changes anything."""
    summary = PythonSummary()
    summary.operations.append(Operation(OperationKind.RUN_CODE, "python", code))
    tree = _parse(code)
    if tree is None:
        # Unparsable code may still have run in part; count it as a change.
        summary.side_effecting = True
        return summary
    _Reader(summary).visit(tree)
    return summary


def _parse(code: str) -> ast.Module | None:
    for candidate in (code, code.replace("\\n", "\n")):
        try:
            return ast.parse(candidate)
        except (SyntaxError, ValueError):
            continue
    return None


class _Reader(ast.NodeVisitor):
    def __init__(self, summary: PythonSummary) -> None:
        self.summary = summary
        self.constants: dict[str, str] = {}

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._assigned(target, node.value)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._assigned(node.target, node.value)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            variable = _environ_key(target)
            if variable is not None:
                self._add(OperationKind.UNSET_VARIABLE, variable)
            if isinstance(target, ast.Attribute | ast.Subscript):
                self.summary.side_effecting = True
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = _dotted(node.func)
        handled = (
            self._file_call(name, node)
            or self._path_method(node)
            or self._open_call(name, node)
            or self._shell_call(name, node)
            or self._process_call(name, node)
            or self._environment_call(name, node)
        )
        if not handled and not _inspecting(name):
            self.summary.side_effecting = True
        self.generic_visit(node)

    def _assigned(self, target: ast.expr, value: ast.expr) -> None:
        if isinstance(target, ast.Name) and isinstance(value, ast.Constant):
            if isinstance(value.value, str):
                self.constants[target.id] = value.value
            return
        variable = _environ_key(target)
        if variable is not None:
            self._add(OperationKind.SET_VARIABLE, variable, self._text(value) or "")
        if isinstance(target, ast.Attribute | ast.Subscript):
            self.summary.side_effecting = True

    def _file_call(self, name: str, node: ast.Call) -> bool:
        entry = _FILE_FUNCTIONS.get(name)
        if entry is None:
            return False
        kind, positions = entry
        for position in positions:
            if position < len(node.args):
                self._add(kind, self._text(node.args[position]))
        self.summary.side_effecting = True
        return True

    def _path_method(self, node: ast.Call) -> bool:
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr in _PATH_METHODS):
            return False
        receiver = func.value
        if not (isinstance(receiver, ast.Call) and _dotted(receiver.func).endswith("Path")):
            return False
        path = self._text(receiver.args[0]) if receiver.args else None
        self._add(_PATH_METHODS[func.attr], path)
        if func.attr in ("rename", "replace") and node.args:
            self._add(OperationKind.MOVE, self._text(node.args[0]))
        self.summary.side_effecting = True
        return True

    def _open_call(self, name: str, node: ast.Call) -> bool:
        if name not in ("open", "io.open") or not node.args:
            return False
        mode_node = node.args[1] if len(node.args) > 1 else _keyword(node, "mode")
        mode = self._text(mode_node) if mode_node is not None else "r"
        if mode and any(flag in mode for flag in "wax+"):
            self._add(OperationKind.WRITE, self._text(node.args[0]))
            self.summary.side_effecting = True
        return True

    def _shell_call(self, name: str, node: ast.Call) -> bool:
        if name not in _SHELL_FUNCTIONS or not node.args:
            return False
        argument = node.args[0]
        if isinstance(argument, ast.List | ast.Tuple):
            words = [self._text(item) or "" for item in argument.elts]
            self.summary.shell_texts.append(" ".join(_quote(word) for word in words))
        else:
            text = self._text(argument)
            if text:
                self.summary.shell_texts.append(text)
        self.summary.side_effecting = True
        return True

    def _process_call(self, name: str, node: ast.Call) -> bool:
        if name in ("os.kill", "os.killpg") and node.args:
            self._add(OperationKind.KILL, self._text(node.args[0]))
            self.summary.side_effecting = True
            return True
        if name == "signal.signal" and node.args:
            signal_name = _dotted(node.args[0]).rsplit(".", 1)[-1]
            handler = _dotted(node.args[1]) if len(node.args) > 1 else ""
            # NOTE: a handler function may or may not end the process; only SIG_IGN is
            # certain to ignore the signal, so only it counts.
            if signal_name in TERMINATION_SIGNALS and handler.endswith("SIG_IGN"):
                self._add(OperationKind.TRAP_SIGNAL, signal_name, "")
            self.summary.side_effecting = True
            return True
        return False

    def _environment_call(self, name: str, node: ast.Call) -> bool:
        if name in ("os.unsetenv", "os.environ.pop") and node.args:
            self._add(OperationKind.UNSET_VARIABLE, self._text(node.args[0]))
        elif name == "os.putenv" and len(node.args) > 1:
            self._add(
                OperationKind.SET_VARIABLE,
                self._text(node.args[0]),
                self._text(node.args[1]) or "",
            )
        else:
            return False
        self.summary.side_effecting = True
        return True

    def _text(self, node: ast.expr | None) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str | int | float | bool):
            return str(node.value)
        if isinstance(node, ast.Name):
            return self.constants.get(node.id)
        return None

    def _add(self, kind: OperationKind, target: str | None, content: str | None = None) -> None:
        if target:
            self.summary.operations.append(Operation(kind, target, content))


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Call):
        return _dotted(node.func) + "()"
    return "?"


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == name), None)


def _environ_key(node: ast.expr) -> str | None:
    if isinstance(node, ast.Subscript) and _dotted(node.value) == "os.environ":
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
    return None


def _inspecting(name: str) -> bool:
    last = name.rsplit(".", 1)[-1].removesuffix("()").lstrip("_")
    if not last or last[0].isupper():
        return True  # a class being constructed
    return last in _INSPECTING_NAMES or last.startswith(_INSPECTING_PREFIXES)


def _quote(word: str) -> str:
    return f"'{word}'" if any(c.isspace() for c in word) else word
