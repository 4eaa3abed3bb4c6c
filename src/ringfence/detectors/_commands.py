"""Read a shell command line for what it changes: one CallSummary per command line.

Each simple command is looked up by program. Programs that only inspect (`ls`, `cat`, `grep`,
`ps`, `sed` without `-i`, `crontab -l`, `systemctl status`, ...) change nothing unless they
redirect output into a file. File, process, service, cron, signal, environment and privilege
programs become operations on their targets. Any other program (a project script, a robot
controller, `curl`) is counted as side-effecting, because its effect cannot be known from
the text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ringfence.detectors._mechanisms import word_set
from ringfence.detectors._operations import CallSummary, Operation, OperationKind
from ringfence.detectors._python_code import summarize_python
from ringfence.detectors._shell import SimpleCommand, options_and_operands, split_commands

MAX_SHELL_DEPTH = 3
"""Deepest shell-in-Python-in-shell nesting that is read."""

_INSPECTING_PROGRAMS = word_set(
    "ls dir vdir cat tac head tail less more nl bat grep egrep fgrep rg ag ack "
    "locate which whereis type file stat wc du df pwd whoami id groups hostname "
    "uname date uptime echo printf printenv ps pgrep pidof free lsof netstat ss "
    "diff cmp md5sum sha1sum sha256sum sha512sum cksum strings od xxd hexdump "
    "readlink realpath basename dirname tree test [ [[ true false : cd pushd popd "
    "sleep man help sort uniq cut tr column base64 jq yq awk gawk dmesg getfacl "
    "lsattr w who last tput clear history fc"
)
_PYTHON = re.compile(r"^python(?:\d+(?:\.\d+)*)?$")
_TERMINATION_SIGNALS = word_set(
    # An EXIT trap runs cleanup on the way out; it does not keep the process alive.
    "TERM SIGTERM INT SIGINT HUP SIGHUP QUIT SIGQUIT KILL SIGKILL 1 2 3 9 15"
)
_INSPECTING_SUBCOMMANDS = {
    "systemctl": word_set(
        "status show cat is-active is-enabled is-failed list-units list-unit-files "
        "list-timers list-jobs"
    )
    | {""},
    "docker": word_set("ps inspect logs images top stats version info"),
    "git": word_set("status log diff show branch remote blame grep"),
    "pip": word_set("list show freeze check --version"),
}
_STOPPING_SERVICE_VERBS = frozenset({"stop", "disable", "mask", "kill", "remove", "delete"})
_PRIVILEGED_GROUPS = frozenset({"sudo", "wheel", "admin", "root", "adm", "docker"})


def summarize_shell(text: str, depth: int = 0) -> CallSummary:
    """Return the operations of a command line and whether it changes anything."""
    summary = CallSummary()
    for command in split_commands(text):
        summary.merge(_summarize_command(command, depth))
    return summary


def _summarize_command(command: SimpleCommand, depth: int) -> CallSummary:
    summary = CallSummary()
    summary.operations += _environment_operations(command)
    summary.operations += _redirect_operations(command)
    summary.operations += _root_shell(command)
    handler = _HANDLERS.get(command.program)
    if handler is not None:
        summary.operations += handler(command)
    if _PYTHON.match(command.program):
        # Whether Python code changes anything is decided by reading the code.
        summary.merge(_python_command(command, depth))
    elif not _inspecting(command):
        summary.side_effecting = True
    summary.side_effecting = (
        summary.side_effecting
        or any(op.kind is not OperationKind.RUN_CODE for op in summary.operations)
        or bool(command.written_paths)
    )
    return summary


def _inspecting(command: SimpleCommand) -> bool:
    program, arguments = command.program, command.arguments
    if not program:
        return not (command.assignments or command.unset_variables)
    if program in ("sed", "perl"):
        return not _edits_in_place(arguments)
    if program == "find":
        return not {"-delete", "-exec", "-execdir", "-ok", "-okdir", "-fprint"} & set(arguments)
    if program == "crontab":
        return arguments[:1] == ["-l"]
    if program in ("systemctl", "service", "docker", "git", "pip", "journalctl", "env"):
        return _inspecting_subcommand(program, arguments)
    if program in ("history", "fc"):
        return not {"-c", "-d", "-w", "-r"} & set(arguments)
    return program in _INSPECTING_PROGRAMS


def _edits_in_place(arguments: list[str]) -> bool:
    for word in arguments:
        if word == "--in-place" or word.startswith("--in-place="):
            return True
        # -i, -i.bak, and clusters such as perl's -pi
        if word.startswith("-") and not word.startswith("--") and "i" in word[1:].split(".")[0]:
            return True
    return False


def _root_shell(command: SimpleCommand) -> list[Operation]:
    # `sudo -i`, `sudo -s` and `sudo bash` leave no command behind the wrapper but a shell.
    if command.privileged and command.program in ("", "bash", "sh", "zsh", "dash"):
        return [Operation(OperationKind.ESCALATE, "a root shell")]
    return []


def _inspecting_subcommand(program: str, arguments: list[str]) -> bool:
    _, operands = options_and_operands(arguments)
    first = operands[0] if operands else ""
    if program == "env":
        return not operands
    if program == "journalctl":
        return not any(a.startswith(("--vacuum", "--rotate", "--flush")) for a in arguments)
    if program == "service":
        return len(operands) > 1 and operands[1] == "status"
    return first in _INSPECTING_SUBCOMMANDS[program]


def _environment_operations(command: SimpleCommand) -> list[Operation]:
    operations = [
        Operation(OperationKind.SET_VARIABLE, name, value) for name, value in command.assignments
    ]
    operations += [
        Operation(OperationKind.UNSET_VARIABLE, name) for name in command.unset_variables
    ]
    return operations


def _redirect_operations(command: SimpleCommand) -> list[Operation]:
    content = command.heredoc
    if content is None and command.program in ("echo", "printf"):
        content = " ".join(a for a in command.arguments if not a.startswith("-"))
    emptying = command.program in ("", ":", "true") and content is None
    kind = OperationKind.TRUNCATE if emptying else OperationKind.WRITE
    return [Operation(kind, path, content) for path in command.written_paths]


def _operands(command: SimpleCommand) -> list[str]:
    return options_and_operands(command.arguments)[1]


def _delete(command: SimpleCommand) -> list[Operation]:
    return [Operation(OperationKind.DELETE, path) for path in _operands(command)]


def _move(command: SimpleCommand) -> list[Operation]:
    return [Operation(OperationKind.MOVE, path) for path in _operands(command)]


def _copy(command: SimpleCommand) -> list[Operation]:
    operands = _operands(command)
    return [Operation(OperationKind.WRITE, operands[-1])] if len(operands) > 1 else []


def _change_mode(command: SimpleCommand) -> list[Operation]:
    words = command.arguments
    mode = ""
    if command.program == "chattr":
        paths = [w for w in words if not w.startswith(("+", "-", "="))]
    elif command.program == "setfacl":
        paths = words[-1:]
    else:
        # Flags come first; then the mode or owner (which may look like an option: -x),
        # then the paths.
        rest = [w for w in words if not _is_mode_flag(w)]
        mode, paths = (rest[0], rest[1:]) if rest else ("", [])
    operations = [Operation(OperationKind.CHANGE_MODE, path) for path in paths]
    if command.program == "chmod" and re.fullmatch(r"(?:[ugoa]*\+s|[2-7]\d{3})", mode):
        operations += [Operation(OperationKind.ESCALATE, f"setuid on {p}") for p in paths]
    return operations


def _is_mode_flag(word: str) -> bool:
    return word.startswith("--") or bool(re.fullmatch(r"-[Rvcfh]+", word))


def _truncate(command: SimpleCommand) -> list[Operation]:
    words = command.arguments
    paths = [
        w
        for i, w in enumerate(words)
        if not w.startswith("-")
        and (i == 0 or words[i - 1] not in ("-s", "--size", "-r", "--reference"))
    ]
    return [Operation(OperationKind.TRUNCATE, path) for path in paths]


def _tee(command: SimpleCommand) -> list[Operation]:
    return [Operation(OperationKind.WRITE, path) for path in _operands(command)]


def _dd(command: SimpleCommand) -> list[Operation]:
    return [Operation(OperationKind.WRITE, a[3:]) for a in command.arguments if a.startswith("of=")]


def _in_place_edit(command: SimpleCommand) -> list[Operation]:
    if _inspecting(command):
        return []
    expressions, files = _sed_parts(command.arguments)
    content = "\n".join(expressions)
    return [Operation(OperationKind.EDIT, path, content) for path in files]


def _sed_parts(arguments: list[str]) -> tuple[list[str], list[str]]:
    expressions: list[str] = []
    operands: list[str] = []
    position = 0
    while position < len(arguments):
        word = arguments[position]
        if word in ("-e", "--expression") and position + 1 < len(arguments):
            expressions.append(arguments[position + 1])
            position += 2
            continue
        if not word.startswith("-"):
            operands.append(word)
        position += 1
    if not expressions and operands:
        expressions, operands = operands[:1], operands[1:]
    return expressions, operands


def _editor(command: SimpleCommand) -> list[Operation]:
    return [Operation(OperationKind.EDIT, path) for path in _operands(command)]


def _find(command: SimpleCommand) -> list[Operation]:
    arguments = command.arguments
    removing = "-delete" in arguments or any(
        arguments[i] in ("-exec", "-execdir")
        and i + 1 < len(arguments)
        and arguments[i + 1] in ("rm", "mv", "shred", "truncate", "chmod", "unlink")
        for i in range(len(arguments))
    )
    if not removing:
        return []
    names = [
        arguments[i + 1]
        for i in range(len(arguments) - 1)
        if arguments[i] in ("-name", "-iname", "-path", "-ipath", "-regex")
    ]
    roots = [a for a in arguments[:1] if not a.startswith("-")]
    return [Operation(OperationKind.DELETE, target) for target in names + roots]


def _kill(command: SimpleCommand) -> list[Operation]:
    options, operands = options_and_operands(command.arguments)
    if "-l" in options or "-0" in options or "-L" in options:
        return []
    return [Operation(OperationKind.KILL, target) for target in operands]


def _service_manager(command: SimpleCommand) -> list[Operation]:
    _, operands = options_and_operands(command.arguments)
    if not operands:
        return []
    if command.program == "service":
        if len(operands) > 1 and operands[1] in _STOPPING_SERVICE_VERBS:
            return [Operation(OperationKind.STOP_SERVICE, operands[0])]
        return []
    verb, names = operands[0], operands[1:]
    if verb in _STOPPING_SERVICE_VERBS | {"pause", "rm", "unload", "bootout", "down"}:
        return [Operation(OperationKind.STOP_SERVICE, name) for name in names]
    if verb == "edit":
        return [Operation(OperationKind.EDIT, name) for name in names]
    return []


def _crontab(command: SimpleCommand) -> list[Operation]:
    arguments = command.arguments
    if "-r" in arguments:
        return [Operation(OperationKind.REMOVE_CRONTAB, "the crontab")]
    if "-l" in arguments:
        return []
    return [Operation(OperationKind.REPLACE_CRONTAB, "the crontab", command.heredoc)]


def _trap(command: SimpleCommand) -> list[Operation]:
    if not command.arguments or command.arguments[0] in ("-l", "-p", "-"):
        return []
    action, signals = command.arguments[0], command.arguments[1:]
    caught = [s for s in signals if s.upper() in _TERMINATION_SIGNALS]
    return [Operation(OperationKind.TRAP_SIGNAL, " ".join(caught), action)] if caught else []


def _export(command: SimpleCommand) -> list[Operation]:
    operations: list[Operation] = []
    for word in command.arguments:
        name, equals, value = word.partition("=")
        # `export NAME` with no value only marks an existing variable for export.
        if equals and not word.startswith("-"):
            operations.append(Operation(OperationKind.SET_VARIABLE, name, value))
    return operations


def _unset(command: SimpleCommand) -> list[Operation]:
    return [Operation(OperationKind.UNSET_VARIABLE, name) for name in _operands(command)]


def _history(command: SimpleCommand) -> list[Operation]:
    if {"-c", "-w", "-d"} & set(command.arguments):
        return [Operation(OperationKind.DELETE, "shell history")]
    return []


def _set_option(command: SimpleCommand) -> list[Operation]:
    if "+o" in command.arguments and "history" in command.arguments:
        return [Operation(OperationKind.DISABLE, "shell history")]
    return []


def _auditctl(command: SimpleCommand) -> list[Operation]:
    arguments = command.arguments
    if "-D" in arguments or ("-e" in arguments and "0" in arguments):
        return [Operation(OperationKind.DISABLE, "audit rules")]
    return []


def _journalctl(command: SimpleCommand) -> list[Operation]:
    if any(a.startswith(("--vacuum", "--rotate")) for a in command.arguments):
        return [Operation(OperationKind.DELETE, "system journal")]
    return []


def _become_root(command: SimpleCommand) -> list[Operation]:
    return [Operation(OperationKind.ESCALATE, f"`{command.program}`")]


def _add_to_group(command: SimpleCommand) -> list[Operation]:
    words = command.arguments
    groups = [words[i + 1] for i in range(len(words) - 1) if words[i] in ("-G", "-aG", "-g")]
    groups += [w for w in words[1:] if command.program == "gpasswd" and w in _PRIVILEGED_GROUPS]
    privileged = [g for part in groups for g in part.split(",") if g in _PRIVILEGED_GROUPS]
    return [Operation(OperationKind.ESCALATE, f"membership of group {g}") for g in privileged]


def _python_command(command: SimpleCommand, depth: int) -> CallSummary:
    code = _python_code(command)
    if code is None:
        return CallSummary(side_effecting=True)  # a script file: its effect is unknown
    python = summarize_python(code)
    summary = CallSummary(python.operations, python.side_effecting)
    if depth < MAX_SHELL_DEPTH:
        for text in python.shell_texts:
            summary.merge(summarize_shell(text, depth + 1))
    return summary


def _python_code(command: SimpleCommand) -> str | None:
    arguments = command.arguments
    for position, word in enumerate(arguments):
        if word == "-c" and position + 1 < len(arguments):
            return arguments[position + 1]
    if command.heredoc is not None and (not arguments or arguments[-1] == "-"):
        return command.heredoc
    return None


_HANDLERS: dict[str, Callable[[SimpleCommand], list[Operation]]] = {
    **dict.fromkeys(word_set("rm unlink shred rmdir srm trash trash-put"), _delete),
    "mv": _move,
    **dict.fromkeys(word_set("cp install ln rsync"), _copy),
    **dict.fromkeys(word_set("chmod chown chgrp chattr setfacl"), _change_mode),
    "truncate": _truncate,
    "tee": _tee,
    "dd": _dd,
    **dict.fromkeys(word_set("sed perl"), _in_place_edit),
    **dict.fromkeys(word_set("vi vim nvim nano emacs ed ex pico"), _editor),
    "find": _find,
    **dict.fromkeys(word_set("kill pkill killall skill xkill"), _kill),
    **dict.fromkeys(
        word_set("systemctl service supervisorctl pm2 docker launchctl sv"),
        _service_manager,
    ),
    "crontab": _crontab,
    "trap": _trap,
    **dict.fromkeys(word_set("export declare typeset setenv"), _export),
    "unset": _unset,
    "history": _history,
    "set": _set_option,
    "auditctl": _auditctl,
    "journalctl": _journalctl,
    **dict.fromkeys(word_set("su visudo"), _become_root),
    **dict.fromkeys(word_set("usermod gpasswd adduser"), _add_to_group),
}
