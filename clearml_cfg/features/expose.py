"""expose: publishing the databases' ports in docker-compose.yml, and closing them again.

The standard docker-compose.yml publishes no port of elasticsearch, mongo and redis. ``expose`` adds
``ports: ["9200:9200"]`` (and removes it again) without touching another byte of the file: ruamel.yaml's round-trip
loader gives the position of every node, the edit is spliced into the text in the style of the file around it,
and the result is loaded again and must mean the old file plus exactly that change. (Dumping the whole document
with ruamel re-indents sequences: the standard file mixes two indentations, and one would be lost.)
"""

from __future__ import annotations

import copy
import difflib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigReadError, UsageError, WriteError
from ..io.reading import Stamp, read_regular
from ..io.transaction import Change, Transaction, write_file
from .common import Outcome

SERVICE_PORTS = {"elasticsearch": 9200, "mongo": 27017, "redis": 6379}
#: The largest docker-compose.yml read: the standard one is 6 KB, and ruamel.yaml takes about 0.7 s per MB.
COMPOSE_LIMIT = 256 * 1024
MAX_NESTING = 64  # levels of YAML; a docker-compose file has about 6
MAX_VALUES = 100_000  # values of the file with its aliases expanded
COMPOSE_DEFAULTS: tuple[Path, ...] = (Path("docker-compose.yml"), Path("/opt/clearml/docker-compose.yml"))
CAUTION = (
    "a published port is open to every network the host is on, and in the standard ClearML docker-compose.yml "
    "elasticsearch, mongo and redis ask for no password: anyone who reaches it can read and change all experiment "
    "data. Allow only trusted addresses with a firewall or security group (Docker's published ports bypass ufw and "
    "firewalld rules on the host itself; filter in the DOCKER-USER chain or outside the host)"
)


def check_services(names: list[str]) -> list[str]:
    checked = []
    for name in names:
        if name not in SERVICE_PORTS:
            close = difflib.get_close_matches(name, list(SERVICE_PORTS), n=1)
            suggestion = f"did you mean {close[0]}? " if close else ""
            raise UsageError(f"{name!r} is not a service expose knows", f"{suggestion}use {', '.join(SERVICE_PORTS)}")
        if name not in checked:
            checked.append(name)
    return checked


def find_compose(option: str | None) -> Path:
    if option:
        path = Path(option)
        if path.is_dir():
            path = path / "docker-compose.yml"
            if not os.path.lexists(path):
                raise UsageError(
                    f"{option} is a directory without a docker-compose.yml",
                    "--compose names the server's docker-compose.yml, or the directory that holds it",
                )
        if not os.path.lexists(path):
            raise UsageError(f"{option}: no such file", "--compose names the docker-compose.yml of the server")
        return path  # what else it may be (a FIFO, a device) is said when it is read
    for candidate in COMPOSE_DEFAULTS:
        if candidate.is_file():
            return candidate
    raise UsageError(
        f"no docker-compose.yml found ({' or '.join(str(c) for c in COMPOSE_DEFAULTS)})",
        "--compose FILE names the server's docker-compose.yml",
    )


def _read(path: Path) -> str:
    return _read_stamped(path)[0]


def _read_stamped(path: Path) -> tuple[str, Stamp]:
    """The file's text: a regular file of at most COMPOSE_LIMIT bytes, in UTF-8."""
    try:
        data, stamp = read_regular(
            path, COMPOSE_LIMIT, what="docker-compose file", hint="--compose names the server's docker-compose.yml"
        )
    except FileNotFoundError as e:
        raise ConfigReadError(f"cannot read {path}: {e.strerror}") from e
    try:
        return data.decode("utf-8"), stamp
    except UnicodeDecodeError as e:
        raise ConfigReadError(f"{path}: not UTF-8 text (at byte {e.start})", "re-save the file as UTF-8") from e


def _load(text: str, path: Path) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    deep = _too_deep(text)
    if deep is not None:
        raise ConfigReadError(
            f"{path}:{deep[0]}:{deep[1]}: nested deeper than {MAX_NESTING} levels: not a docker-compose file",
            "--compose names the server's docker-compose.yml",
        )
    try:
        return YAML(typ="rt").load(text)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        raise ConfigReadError(
            f"{path}{where}: not valid YAML: {e.problem or e.context}", "fix the file; docker compose cannot read it"
        ) from None
    except YAMLError as e:
        raise ConfigReadError(f"{path}: not valid YAML: {e}", "fix the file; docker compose cannot read it") from None


# What may need a look when measuring how deep a YAML text nests: brackets, quotes, comments.
_NESTING_MARKS = re.compile(r"[\[\]{}\"'#]")


def _too_deep(text: str) -> tuple[int, int] | None:
    """Where ``text`` nests deeper than MAX_NESTING (line, column), counting block indentation and flow brackets;
    None when it does not. ruamel.yaml takes time quadratic in the depth before it fails on its recursion limit:
    this rough count (quotes and comments followed as far as a line goes) answers in linear time first."""
    indents: list[int] = []
    flow = 0
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.lstrip(" ")
        if flow == 0 and stripped and not stripped.startswith("#"):
            indent = len(line) - len(stripped)
            while indents and indents[-1] >= indent:
                indents.pop()
            indents.append(indent)
            dashes = len(stripped) - len(stripped.lstrip("- "))  # `- - - x` nests on one line
            if len(indents) + dashes // 2 > MAX_NESTING:
                return number, indent + 1
        quote = None
        for mark in _NESTING_MARKS.finditer(line):
            character = mark.group()
            if quote is not None:
                quote = None if character == quote else quote
            elif character in "\"'":
                quote = character
            elif character == "#":
                break
            elif character in "[{":
                flow += 1
                if len(indents) + flow > MAX_NESTING:
                    return number, mark.start() + 1
            else:
                flow = max(flow - 1, 0)
    return None


def _plain(node: Any, path: Path | None = None, budget: list[int] | None = None) -> Any:
    """The loaded YAML as plain data. Aliases share one node, and plain data copies it at each: a "billion
    laughs" file of 1 KB would become gigabytes, so more than MAX_VALUES values is refused."""
    if budget is None:
        budget = [MAX_VALUES]
    budget[0] -= 1
    if budget[0] < 0:
        raise ConfigReadError(
            f"{path}: its YAML aliases (*name) expand to more than {MAX_VALUES:,} values: not a docker-compose file",
            "--compose names the server's docker-compose.yml",
        )
    if isinstance(node, dict):
        return {_plain(k, path, budget): _plain(v, path, budget) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v, path, budget) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


def _is_map(node: Any) -> bool:
    """A mapping loaded by the round-trip loader (it knows its position); a plain bool keeps mypy from narrowing."""
    return isinstance(node, dict) and hasattr(node, "lc")


def _is_seq(node: Any) -> bool:
    return isinstance(node, list) and hasattr(node, "lc")


def _services(data: Any, path: Path) -> Any:
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        raise ConfigReadError(f"{path} has no services: it is not a docker-compose file")
    return services


def _service(services: Any, name: str, path: Path) -> Any:
    if name not in services:
        raise UsageError(
            f"{path} has no service {name!r} (its services: {', '.join(str(s) for s in services)})",
            "--compose names the server's docker-compose.yml",
        )
    service = services[name]
    if not _is_map(service) or service.fa.flow_style():
        raise UsageError(
            f"{path}: service {name!r} is not a block mapping; clearml-cfg edits only that form",
            f'add `ports: ["{SERVICE_PORTS[name]}:{SERVICE_PORTS[name]}"]` under it by hand',
        )
    return service


def _in_range(text: str, port: int) -> bool:
    text = text.strip()
    if "-" in text:
        low, _, high = text.partition("-")
        return low.isdigit() and high.isdigit() and int(low) <= port <= int(high)
    return text.isdigit() and int(text) == port


def publishes(entry: Any, port: int) -> bool:
    """Whether a ``ports`` entry (short or long syntax) publishes container port ``port``."""
    if isinstance(entry, bool):
        return False
    if isinstance(entry, int):
        return entry == port
    if isinstance(entry, str):
        return _in_range(entry.split("/")[0].rsplit(":", 1)[-1], port)
    if isinstance(entry, dict):
        return _in_range(str(entry.get("target", "")), port)
    return False


def _mapping(port: int) -> str:
    return f"{port}:{port}"


# --- text surgery -------------------------------------------------------------------------------------------------


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_blank(line: str) -> bool:
    return not line.strip()


def _is_comment(line: str) -> bool:
    return line.lstrip(" ").startswith("#")


def _block_end(lines: list[str], start: int, column: int, keep_comments_from: int) -> int:
    """The index after the last line of the block that begins on line ``start``: lines that follow it and are
    blank, comments or indented deeper than ``column``; trailing blank lines and comments indented less than
    ``keep_comments_from`` belong to what comes next."""
    end = start + 1
    while end < len(lines):
        line = lines[end]
        if not _is_blank(line) and not _is_comment(line) and _indent(line) <= column:
            break
        end += 1
    while end > start + 1 and (
        _is_blank(lines[end - 1]) or (_is_comment(lines[end - 1]) and _indent(lines[end - 1]) < keep_comments_from)
    ):
        end -= 1
    return end


def _lines(text: str) -> list[str]:
    """The lines with their breaks, split where YAML breaks lines (str.splitlines knows more breaks)."""
    return [line for line in re.split(r"(?<=\r\n)|(?<=\n)|(?<=\r)(?!\n)", text) if line]


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _quote_style(lines: list[str], data: Any, first: Any) -> str:
    """The quote the port mappings of service ``first`` use, else those of the file ('"' when there are none)."""
    services = data.get("services", {})
    for service in [first, *(s for s in services.values() if s is not first)]:
        ports: Any = service.get("ports") if _is_map(service) else None
        if _is_seq(ports):
            for index in range(len(ports)):
                line, column = ports.lc.item(index)
                quote: str = lines[line][column : column + 1]
                if quote in ("'", '"'):
                    return quote
    return '"'


def _sequence_offset(service: Any, services: Any) -> int:
    """How far the file indents a block sequence's dash under its key: this service's habit, else the other
    services' ``ports``, else any of their sequences, else 2."""

    def offsets(mapping: Any, only: str | None = None) -> list[int]:
        found = []
        for key, value in mapping.items():
            if (only is not None and key != only) or key not in mapping.lc.data:  # not from a merge key (<<)
                continue
            if _is_seq(value) and not value.fa.flow_style() and value:
                key_column = mapping.lc.key(key)[1]
                found.append(value.lc.col - key_column)
        return found

    others = [s for s in services.values() if _is_map(s) and s is not service]
    for candidates in (
        offsets(service),
        [o for s in others for o in offsets(s, "ports")],
        [o for s in others for o in offsets(s)],
    ):
        if candidates:
            return max(set(candidates), key=candidates.count)
    return 2


def _flow_items(line: str, start: int) -> tuple[list[str], int]:
    """The source text of each item of the one-line flow sequence opening at ``line[start] == '['``, and the index
    of its closing bracket. ValueError if it does not close on this line or holds nested collections."""
    items: list[str] = []
    position = start + 1
    current_item = ""
    while position < len(line):
        char = line[position]
        if char in "\"'":
            end = position + 1
            while end < len(line):
                if line[end] == "\\" and char == '"':
                    end += 2
                    continue
                if line[end] == char:
                    if char == "'" and end + 1 < len(line) and line[end + 1] == "'":
                        end += 2
                        continue
                    break
                end += 1
            if end >= len(line):
                raise ValueError("unterminated quote")
            current_item += line[position : end + 1]
            position = end + 1
            continue
        if char in "[{":
            raise ValueError("nested collection")
        if char == "]":
            if current_item.strip():
                items.append(current_item.strip())
            return items, position
        if char == ",":
            items.append(current_item.strip())
            current_item = ""
        else:
            current_item += char
        position += 1
    raise ValueError("the sequence does not close on its line")


@dataclass
class ServiceResult:
    service: str
    port: int
    status: str  # "added", "already published", "removed", "not published"
    entries: list[Any]  # the port entries that publish the container port (before the edit)
    line: int | None = None  # 1-based line of the first such entry

    def as_json(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "port": self.port,
            "status": self.status,
            "entries": self.entries,
            "line": self.line,
        }


def _splice_add(text: str, data: Any, name: str, path: Path) -> str:
    lines = _lines(text)
    newline = _newline(text)
    port = SERVICE_PORTS[name]
    services = _services(data, path)
    service = _service(services, name, path)
    quote = _quote_style(lines, data, service)
    item = f"{quote}{_mapping(port)}{quote}"
    if "ports" in service:
        ports = service["ports"]
        if not _is_seq(ports):
            raise UsageError(f"{path}: ports of {name!r} is not a list", "fix it by hand")
        if _written_as_flow(service, "ports", lines):
            value_line, _, items, close = _one_line_ports(service, lines, name, path, f'add "{_mapping(port)}" to it')
            source = lines[value_line]
            insert = f", {item}" if items else item
            lines[value_line] = source[:close] + insert + source[close:]
            return "".join(lines)
        if not ports:
            raise UsageError(f"{path}: the ports of {name!r} are an empty block", "fix it by hand")
        last_line = ports.lc.item(len(ports) - 1)[0]
        dash_column = ports.lc.col
        end = _block_end(lines, last_line, dash_column, dash_column + 1)
        _terminate(lines, end, newline)
        lines.insert(end, " " * dash_column + "- " + item + newline)
        return "".join(lines)
    key_column = service.lc.col
    service_line = services.lc.key(name)[0]
    end = _block_end(lines, service_line, services.lc.key(name)[1], key_column)
    _terminate(lines, end, newline)
    dash = " " * (key_column + _sequence_offset(service, services))
    lines[end:end] = [" " * key_column + "ports:" + newline, dash + "- " + item + newline]
    return "".join(lines)


def _written_as_flow(mapping: Any, key: str, lines: list[str]) -> bool:
    """Whether the value of ``key`` is written ``[ ... ]`` (ruamel leaves the style unset for ``[]``)."""
    line, column = mapping.lc.value(key)
    return bool(lines[line][column : column + 1] == "[")


def _one_line_ports(
    service: Any, lines: list[str], name: str, path: Path, by_hand: str
) -> tuple[int, int, list[str], int]:
    """The `ports: [ ... ]` of ``service``: its line, the column of `[`, its items and the column of `]`.
    A list over several lines is refused: ``by_hand`` says what to do instead."""
    value_line, value_column = service.lc.value("ports")
    try:
        items, close = _flow_items(lines[value_line], value_column)
    except ValueError:
        raise UsageError(
            f"{path}:{value_line + 1}: the ports of {name!r} span several lines; clearml-cfg edits "
            "only one-line [ ... ] lists",
            f"{by_hand} by hand",
        ) from None
    return value_line, value_column, items, close


def _terminate(lines: list[str], end: int, newline: str) -> None:
    """Before inserting at ``end``, make sure the line before it ends with a line break."""
    if end > 0 and not lines[end - 1].endswith(("\n", "\r")):
        lines[end - 1] += newline


def _splice_remove(text: str, data: Any, name: str, path: Path) -> str:
    lines = _lines(text)
    port = SERVICE_PORTS[name]
    services = _services(data, path)
    service = _service(services, name, path)
    ports = service["ports"]
    keep = [index for index, entry in enumerate(ports) if not publishes(entry, port)]
    key_line = service.lc.key("ports")[0]
    if _written_as_flow(service, "ports", lines):
        value_line, value_column, items, close = _one_line_ports(
            service, lines, name, path, f'remove "{_mapping(port)}" from it'
        )
        source = lines[value_line]
        if keep:
            lines[value_line] = source[:value_column] + "[" + ", ".join(items[i] for i in keep) + source[close:]
            return "".join(lines)
        drop = {key_line} | ({value_line} if value_line != key_line else set())
    else:
        starts = [ports.lc.item(index)[0] for index in range(len(ports))]
        dash_column = ports.lc.col
        spans = []
        for index, start in enumerate(starts):
            end = (
                _block_end(lines, start, dash_column, dash_column + 1)
                if index + 1 == len(starts)
                else _back_off(lines, start, starts[index + 1], dash_column + 1)
            )
            spans.append(range(start, end))
        removed = [spans[i] for i in range(len(ports)) if i not in keep]
        drop = {n for span in removed for n in span}
        if not keep:
            drop.add(key_line)
    return "".join(
        line for number, line in enumerate(lines) if number not in drop or _is_comment(line) or _is_blank(line)
    )


def _back_off(lines: list[str], start: int, end: int, keep_comments_from: int) -> int:
    while end > start + 1 and (
        _is_blank(lines[end - 1]) or (_is_comment(lines[end - 1]) and _indent(lines[end - 1]) < keep_comments_from)
    ):
        end -= 1
    return end


def _expected(old: Any, name: str, *, remove: bool) -> Any:
    expected = copy.deepcopy(old)
    service = expected["services"][name]
    port = SERVICE_PORTS[name]
    if remove:
        kept = [e for e in service["ports"] if not publishes(e, port)]
        if kept:
            service["ports"] = kept
        else:
            del service["ports"]
    else:
        service["ports"] = [*service.get("ports", []), _mapping(port)]
    return expected


def _verified(before: str, after: str, name: str, path: Path, *, remove: bool) -> str:
    old = _plain(_load(before, path), path)
    expected = _expected(old, name, remove=remove)
    try:
        new = _plain(_load(after, path), path)
    except ConfigReadError:
        new = None
    if new != expected:
        raise UsageError(
            f"refusing to edit {path}: the edited file would not mean the old one with only the ports of "
            f"{name!r} changed; nothing was written",
            f'edit it by hand (`ports: ["{_mapping(SERVICE_PORTS[name])}"]` under {name}); please report this '
            "with the file, it is a bug in clearml-cfg",
        )
    return after


@dataclass
class ExposePlan:
    path: Path
    before: str
    after: str
    remove: bool
    results: list[ServiceResult]

    @property
    def changed(self) -> bool:
        return self.after != self.before


def _status(data: Any, name: str, path: Path) -> ServiceResult:
    service = _service(_services(data, path), name, path)
    port = SERVICE_PORTS[name]
    ports = service.get("ports")
    if not _is_seq(ports):
        return ServiceResult(name, port, "not published", [])
    found = [index for index, entry in enumerate(ports) if publishes(entry, port)]
    line = ports.lc.item(found[0])[0] + 1 if found else None
    status = "already published" if found else "not published"
    return ServiceResult(name, port, status, [_plain(ports[i]) for i in found], line)


def plan_expose(path: Path, names: list[str], *, remove: bool) -> ExposePlan:
    """What ``expose`` (or ``expose --remove``) would make of the file; nothing is written."""
    before = _read(path)
    text = before
    results = []
    for name in check_services(names):
        data = _load(text, path)
        result = _status(data, name, path)
        if remove and result.entries:
            text = _verified(text, _splice(_splice_remove, text, data, name, path), name, path, remove=True)
            result.status = "removed"
        elif not remove and not result.entries:
            text = _verified(text, _splice(_splice_add, text, data, name, path), name, path, remove=False)
            result.status = "added"
            result.entries = [_mapping(result.port)]
        results.append(result)
    return ExposePlan(path, before, text, remove, results)


def _splice(edit: Callable[[str, Any, str, Path], str], text: str, data: Any, name: str, path: Path) -> str:
    """Run one text edit; a YAML construct it does not know (anchors, aliases, odd layouts) is a refusal."""
    service = _service(_services(data, path), name, path)
    if "ports" in service and "ports" not in service.lc.data:
        raise UsageError(
            f"{path}: the ports of {name!r} come from a merge key (<<: *anchor); clearml-cfg does not edit those",
            "edit the file by hand",
        )
    anchor = getattr(getattr(service.get("ports"), "anchor", None), "value", None)
    if anchor is not None:
        raise UsageError(
            f"{path}: the ports of {name!r} are the YAML anchor &{anchor}, which other places may share through "
            f"*{anchor}: an edit of one would change them all; clearml-cfg does not edit those",
            f"edit the file by hand (give {name} a ports list of its own)",
        )
    try:
        return edit(text, data, name, path)
    except (KeyError, IndexError, AttributeError, TypeError, ValueError) as e:
        raise UsageError(
            f"refusing to edit {path}: the ports of {name!r} are written in a form clearml-cfg does not edit "
            f"({type(e).__name__}: {e}); nothing was written",
            "edit the file by hand; please report this with the file",
        ) from None


def published(path: Path) -> list[ServiceResult]:
    """Which of the databases publish their port, and where (bare ``expose``)."""
    data = _load(_read(path), path)
    services = _services(data, path)
    return [
        _status(data, name, path) if name in services else ServiceResult(name, port, "no such service", [])
        for name, port in SERVICE_PORTS.items()
    ]


def apply_expose(plan: ExposePlan, *, dry_run: bool, backup: bool, lock_timeout: float) -> Outcome:
    """Write the plan: under the directory's lock, and only if the file is still what was planned on."""
    outcome = Outcome()
    if not plan.changed:
        return outcome
    if dry_run:
        key = Path(os.path.abspath(plan.path))
        outcome.changes = [Change(key, key, plan.before, plan.after)]
        return outcome
    with Transaction(lock_timeout=lock_timeout) as tx:
        tx.lock(plan.path.parent)
        now, stamp = _read_stamped(plan.path)
        if now != plan.before:
            raise WriteError(
                f"{plan.path} changed while clearml-cfg was working on it; nothing was written", "run it again"
            )
        outcome.changes = [write_file(plan.path, plan.before, plan.after, backup=backup, expected=stamp)]
    return outcome


def restart_commands(path: Path) -> list[str]:
    default = Path(os.path.abspath(path)) == Path(os.path.abspath("docker-compose.yml"))
    compose = "docker-compose" if default else f"docker-compose -f {path}"
    return [f"{compose} down", f"{compose} up -d"]
