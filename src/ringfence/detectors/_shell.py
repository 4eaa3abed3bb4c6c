"""Split a shell command line into simple commands that detectors can reason about.

This is not a shell. It finds each simple command a line would run, between `;`, `&&`, `||`,
`|`, `&` and newlines. Each comes with its leading `VAR=value` assignments, its redirections,
the body of a here-document it reads, and the wrappers in front of it (`sudo`, `env`, `nohup`,
`timeout`, ...). Commands passed as text to `bash -c`, `sh -c` or `eval` are split as well.
Quoting follows POSIX rules through `shlex`. Text that `shlex` cannot split (an unclosed quote)
falls back to splitting on whitespace, so a malformed command still yields its words.
"""

from __future__ import annotations

import html
import re
import shlex
from dataclasses import dataclass, field
from pathlib import PurePosixPath

_CONTROL = frozenset({";", ";;", "&&", "||", "|", "|&", "&", "(", ")", "{", "}"})
_REDIRECT = re.compile(r"^(?:\d*(?:>>?|>\||<>?|<<<|&>>?|>&|<&))$")
_HEREDOC = re.compile(r"<<-?[ \t]*(['\"]?)([A-Za-z_][\w.-]*)\1")
_HEREDOC_PLACEHOLDER = "__RINGFENCE_HEREDOC_{}__"
_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)
_NESTED_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh"})
MAX_NESTING = 4
"""Deepest `bash -c` nesting that is split; deeper text is kept as plain arguments."""

# Wrappers run the command that follows them. Each maps to its options that take a value
# (for example `sudo -u root`), so the value is not read as the command.
_WRAPPER_OPTIONS_WITH_VALUE: dict[str, frozenset[str]] = {
    "sudo": frozenset({"-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U"}),
    "doas": frozenset({"-u", "-C"}),
    "env": frozenset({"-u", "-C", "-S", "--unset", "--chdir"}),
    "nice": frozenset({"-n"}),
    "ionice": frozenset({"-c", "-n", "-p"}),
    "timeout": frozenset({"-s", "-k", "--signal", "--kill-after"}),
    "stdbuf": frozenset({"-i", "-o", "-e"}),
    "nohup": frozenset(),
    "setsid": frozenset(),
    "command": frozenset(),
    "builtin": frozenset(),
    "exec": frozenset({"-a"}),
    "time": frozenset({"-f", "-o"}),
    "xargs": frozenset({"-I", "-n", "-P", "-d", "-L", "-s", "-E", "-a"}),
    "unbuffer": frozenset(),
    "caffeinate": frozenset(),
}
PRIVILEGE_WRAPPERS = frozenset({"sudo", "doas", "pkexec", "run0"})
"""Wrappers that run the command with raised privileges."""


@dataclass(frozen=True)
class Redirect:
    """One redirection of a simple command, such as `> out.txt` or `2>/dev/null`."""

    operator: str
    target: str

    @property
    def writes(self) -> bool:
        """True when the redirection writes or truncates a file (not a file descriptor)."""
        if "<" in self.operator and ">" not in self.operator:
            return False
        return not self.target.startswith("&") and self.target not in _DEVICE_SINKS


_DEVICE_SINKS = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "-"})


@dataclass
class SimpleCommand:
    """One command the line would run, after wrappers and assignments are taken off."""

    words: list[str]
    assignments: list[tuple[str, str]] = field(default_factory=list)
    unset_variables: list[str] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)
    heredoc: str | None = None
    wrappers: list[str] = field(default_factory=list)

    @property
    def program(self) -> str:
        """Base name of the program, for example `rm` for `/bin/rm`; empty when none runs."""
        if not self.words:
            return ""
        return PurePosixPath(self.words[0]).name or self.words[0]

    @property
    def arguments(self) -> list[str]:
        """Words after the program name."""
        return self.words[1:]

    @property
    def written_paths(self) -> list[str]:
        """Files the command's redirections write to."""
        return [r.target for r in self.redirects if r.writes]

    @property
    def privileged(self) -> bool:
        """True when a wrapper such as `sudo` raises the command's privileges."""
        return any(w in PRIVILEGE_WRAPPERS for w in self.wrappers)


def split_commands(text: str, depth: int = 0) -> list[SimpleCommand]:
    """Split a command line into its simple commands, in order."""
    if "&amp;" in text or "&lt;" in text or "&gt;" in text:
        # Some models send HTML-escaped shell text. The shell rejects it, but the intent is
        # the same, so read it unescaped.
        text = html.unescape(text)
    text, bodies = _take_heredocs(text)
    commands: list[SimpleCommand] = []
    for words in _segments(_tokens(_newlines_to_separators(text))):
        command = _simple_command(words, bodies)
        if command is None:
            continue
        nested = _nested_text(command)
        if nested is None or depth >= MAX_NESTING:
            commands.append(command)
            continue
        if command.assignments or command.unset_variables:
            # The outer shell's environment changes still happen; keep them as their own entry.
            commands.append(
                SimpleCommand(
                    words=[],
                    assignments=command.assignments,
                    unset_variables=command.unset_variables,
                    wrappers=command.wrappers,
                )
            )
        for inner in split_commands(nested, depth + 1):
            inner.wrappers = command.wrappers + inner.wrappers
            commands.append(inner)
    return commands


def _take_heredocs(text: str) -> tuple[str, list[str]]:
    """Cut here-document bodies out of the text, leaving a numbered placeholder in each place."""
    lines = text.split("\n")
    output_lines: list[str] = []
    bodies: list[str] = []
    position = 0
    while position < len(lines):
        line = lines[position]
        position += 1
        delimiters = [m.group(2) for m in _HEREDOC.finditer(line)]
        if not delimiters:
            output_lines.append(line)
            continue
        for delimiter in delimiters:
            body: list[str] = []
            while position < len(lines) and lines[position].strip() != delimiter:
                body.append(lines[position])
                position += 1
            position += 1  # the delimiter line itself
            bodies.append("\n".join(body))
        output_lines.append(_number_heredocs(line, len(bodies) - len(delimiters)))
    return "\n".join(output_lines), bodies


def _number_heredocs(line: str, first: int) -> str:
    numbers = iter(range(first, first + len(_HEREDOC.findall(line))))
    return _HEREDOC.sub(lambda _m: "<< " + _HEREDOC_PLACEHOLDER.format(next(numbers)), line)


def _newlines_to_separators(text: str) -> str:
    """Replace newlines outside quotes with `;`, because shlex reads them as plain spaces."""
    out: list[str] = []
    quote: str | None = None
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote is None and char in "'\"":
            quote = char
        elif char == quote:
            quote = None
        elif char == "\n" and quote is None:
            out.append(" ; ")
            continue
        out.append(char)
    return "".join(out)


def _tokens(text: str) -> list[str]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=";&|<>(){}")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return list(lexer)
    except ValueError:
        # An unclosed quote: fall back to whitespace, keeping separators as their own words.
        return re.findall(r"&&|\|\||[;|&<>(){}]|[^\s;|&<>(){}]+", text)


def _segments(tokens: list[str]) -> list[list[str]]:
    segments: list[list[str]] = [[]]
    for token in tokens:
        if token in _CONTROL:
            segments.append([])
        else:
            segments[-1].append(token)
    return [s for s in segments if s]


def _simple_command(words: list[str], bodies: list[str]) -> SimpleCommand | None:
    command = SimpleCommand(words=[])
    rest = _take_redirects(words, command, bodies)
    while rest and (assignment := _ASSIGNMENT.match(rest[0])):
        command.assignments.append((assignment.group(1), assignment.group(2)))
        rest = rest[1:]
    rest = _take_wrappers(rest, command)
    command.words = rest
    if not (rest or command.assignments or command.redirects or command.wrappers):
        return None
    return command


def _take_redirects(words: list[str], command: SimpleCommand, bodies: list[str]) -> list[str]:
    rest: list[str] = []
    position = 0
    while position < len(words):
        word = words[position]
        if word in ("<<", "<<-") and position + 1 < len(words):
            command.heredoc = _heredoc_body(words[position + 1], bodies)
            position += 2
            continue
        if _REDIRECT.match(word):
            if rest and rest[-1] in ("0", "1", "2"):
                # shlex splits "2>" into "2" and ">"; the number names a descriptor.
                rest.pop()
            target = words[position + 1] if position + 1 < len(words) else ""
            if word.endswith("&") and target.isdigit():
                target = "&" + target  # 2>&1 duplicates a descriptor; no file is written
            command.redirects.append(Redirect(word.lstrip("0123456789") or word, target))
            position += 2
            continue
        rest.append(word)
        position += 1
    return rest


def _heredoc_body(placeholder: str, bodies: list[str]) -> str:
    match = re.fullmatch(r"__RINGFENCE_HEREDOC_(\d+)__", placeholder)
    if match and int(match.group(1)) < len(bodies):
        return bodies[int(match.group(1))]
    return ""


def _take_wrappers(words: list[str], command: SimpleCommand) -> list[str]:
    while words:
        name = PurePosixPath(words[0]).name
        if name == "pkexec" or name == "run0":
            command.wrappers.append(name)
            words = words[1:]
            continue
        if name not in _WRAPPER_OPTIONS_WITH_VALUE:
            return words
        command.wrappers.append(name)
        words = _skip_wrapper_options(name, words[1:], command)
    return words


def _skip_wrapper_options(name: str, words: list[str], command: SimpleCommand) -> list[str]:
    with_value = _WRAPPER_OPTIONS_WITH_VALUE[name]
    position = 0
    while position < len(words):
        word = words[position]
        assignment = _ASSIGNMENT.match(word) if name == "env" else None
        if assignment:
            command.assignments.append((assignment.group(1), assignment.group(2)))
        elif word in with_value:
            if name == "env" and word in ("-u", "--unset") and position + 1 < len(words):
                command.unset_variables.append(words[position + 1])
            position += 1
        elif not word.startswith("-"):
            break
        position += 1
    if name == "timeout" and position < len(words):
        position += 1  # the duration
    return words[position:]


def _nested_text(command: SimpleCommand) -> str | None:
    """Text of a command that `bash -c`, `sh -c` or `eval` would run, if this is one."""
    if command.program == "eval":
        return " ".join(command.arguments)
    if command.program not in _NESTED_SHELLS:
        return None
    arguments = command.arguments
    for position, word in enumerate(arguments):
        if word.startswith("-") and "c" in word.lstrip("-") and position + 1 < len(arguments):
            return arguments[position + 1]
    if not arguments and command.heredoc is not None:
        return command.heredoc
    return None


def options_and_operands(arguments: list[str]) -> tuple[list[str], list[str]]:
    """Split arguments into options (words starting with '-') and operands, honouring `--`."""
    options: list[str] = []
    operands: list[str] = []
    ended = False
    for word in arguments:
        if ended or not word.startswith("-") or word == "-":
            operands.append(word)
        elif word == "--":
            ended = True
        else:
            options.append(word)
    return options, operands
