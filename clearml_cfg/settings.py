"""The generic commands: init, get, set, unset and show, over every config directory the server reads.

Reading merges the files of all directories as the server merges them (without its built-in defaults and
environment overrides: that view is ``show --effective``). Writing goes to the directory that wins.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path as FsPath
from typing import Any

from . import schema
from .errors import NotSet, UsageError
from .hocon import Document, HoconEditError, HoconError, HoconKeyError, Period
from .hocon.evaluate import evaluate
from .hocon.parser import parse_tree
from .hocon.paths import Path, format_path
from .layout import KNOWN_NAMESPACES, ConfigDirs, ConfigFile, discover, file_for_key
from .merge import merge, put_file
from .store import Change, Transaction, read_document, resolved_tree


@dataclass
class Options:
    """What every command is told: where the config is, and how careful to be."""

    dirs: ConfigDirs
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    dry_run: bool = False
    backup: bool = True
    force: bool = False
    lock_timeout: float = 10.0
    #: files already backed up by this command: a second write keeps the backup of the first version
    backed_up: set[FsPath] = field(default_factory=set)

    def transaction(self) -> Transaction:
        return Transaction(
            dry_run=self.dry_run, backup=self.backup, lock_timeout=self.lock_timeout, backed_up=self.backed_up
        )


@dataclass
class Outcome:
    """What a write command did: the changes, and things the user should know."""

    changes: list[Change] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # a note may say why nothing changed ("is not set; nothing to do")
    remarks: list[str] = field(default_factory=list)  # notes on the input (how VALUE was read); never such a reason


# --- reading every file -----------------------------------------------------------------------------------


@dataclass
class LoadedFile:
    file: ConfigFile
    document: Document
    tree: Any  # resolved, as the server reads this file on its own


class FilesView:
    """Every ``*.conf`` of every config directory, read once, and the tree they merge into."""

    def __init__(self, dirs: ConfigDirs, env: Mapping[str, str]) -> None:
        self.dirs = dirs
        self.env = env
        self.layers: list[tuple[FsPath, list[LoadedFile]]] = []
        for directory in dirs.dirs:
            loaded = []
            for config_file in discover(directory):
                document = read_document(config_file.path)
                loaded.append(LoadedFile(config_file, document, resolved_tree(config_file.path, document, dict(env))))
            self.layers.append((directory, loaded))

    def files(self, directory: FsPath | None = None) -> list[ConfigFile]:
        return [f.file for d, layer in self.layers if directory is None or d == directory for f in layer]

    def loaded(self, config_file: ConfigFile) -> LoadedFile | None:
        for directory, layer in self.layers:
            if directory == config_file.directory:
                for loaded in layer:
                    if loaded.file.relative == config_file.relative:
                        return loaded
        return None

    def merged(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for _, layer in self.layers:
            tree: dict[str, Any] = {}
            for loaded in layer:
                put_file(tree, loaded.file.prefix, loaded.tree)
            merge(result, tree, dash_rule=True)
        return result

    def definitions(self, path: Path) -> list[tuple[LoadedFile, Path]]:
        """The files that set ``path`` (or something under it), with the key as written inside each file.

        A key written ``-name`` (in the file, or as the file's name: ``-apiserver.conf``) defines ``name``
        (SERVER-SEMANTICS §3), so it is found as well.
        """
        found = []
        for _, layer in self.layers:
            for loaded in layer:
                prefix = loaded.file.prefix
                if len(path) > len(prefix) and all(_spells(w, s) for w, s in zip(prefix, path, strict=False)):
                    for inner in written_as(loaded.document, path[len(prefix) :]):
                        found.append((loaded, inner))
        return found


def _spells(written: str | int, segment: str | int) -> bool:
    return written == segment or (isinstance(segment, str) and written == "-" + segment)


def written_as(document: Document, path: Path) -> list[Path]:
    """Every way ``path`` is written in ``document``: at each level the key itself and its ``-key`` form, which
    replaces what the layers below say instead of merging into it (SERVER-SEMANTICS §3)."""
    found: list[Path] = [()]
    for segment in path:
        forms = [segment] if isinstance(segment, int) or segment.startswith("-") else [segment, "-" + segment]
        found = [(*prefix, form) for prefix in found for form in forms if (*prefix, form) in document]
        if not found:
            break
    return found


def where_to_set(document: Document, path: Path) -> Path:
    """The key to edit for ``path``: inside an existing ``-key`` block when only that form is written, so that
    ``set apiserver.cors.origins`` edits the file's ``-cors { }`` instead of adding a second ``cors { }``."""
    written: Path = ()
    for index, segment in enumerate(path):
        dashed = f"-{segment}"
        if (
            isinstance(segment, str)
            and not segment.startswith("-")
            and (*written, segment) not in document
            and (*written, dashed) in document
        ):
            segment = dashed
        written = (*written, segment)
        if written not in document:
            return (*written, *path[index + 1 :])
    return written


def lookup(tree: Any, path: Path) -> Any:
    node = tree
    for segment in path:
        if isinstance(segment, int):
            if not isinstance(node, list) or not -len(node) <= segment < len(node):
                raise KeyError(segment)
        elif not isinstance(node, dict) or segment not in node:
            raise KeyError(segment)
        node = node[segment]
    return node


# --- values from the command line -------------------------------------------------------------------------


class ValueType(str, Enum):
    auto = "auto"
    string = "string"
    int = "int"
    float = "float"
    bool = "bool"
    json = "json"
    hocon = "hocon"


_BOOLEANS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}


def parse_value(text: str, kind: ValueType) -> tuple[Any, str | None]:
    """The value a command-line VALUE stands for, and a note when auto-typing chose something surprising."""
    if kind is ValueType.string:
        return text, None
    if kind is ValueType.int:
        try:
            return int(text.strip(), 10), None
        except ValueError:
            raise UsageError(f"{text!r} is not a whole number", "pass a number such as 7200") from None
    if kind is ValueType.float:
        try:
            number = float(text)
        except ValueError:
            raise UsageError(f"{text!r} is not a number", "pass a number such as 1.5") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise UsageError(f"{text!r} cannot be written in HOCON", "pass a finite number")
        return number, None
    if kind is ValueType.bool:
        try:
            return _BOOLEANS[text.strip().lower()], None
        except KeyError:
            raise UsageError(f"{text!r} is not a boolean", "pass true or false") from None
    if kind is ValueType.json:
        import json

        try:
            return json.loads(text), None
        except json.JSONDecodeError as e:
            raise UsageError(f"VALUE is not valid JSON: {e.msg} at position {e.pos}", "check the quoting") from None
    return _parse_hocon_value(text, strict=kind is ValueType.hocon)


def _parse_hocon_value(text: str, *, strict: bool) -> tuple[Any, str | None]:
    """Read VALUE as the server reads a `CLEARML__...` environment value: the HOCON text `key: VALUE`."""
    try:
        tree = parse_tree(f"value: {text}")
        parsed = evaluate(tree, resolve=False)
    except HoconError as e:
        if strict:
            raise UsageError(f"VALUE is not a HOCON value: {e}", "quote strings, or pass --type string") from None
        return text, None
    if not isinstance(parsed, dict) or list(parsed) != ["value"] or ("${" in text and not strict):
        if strict:
            raise UsageError("VALUE is not a single HOCON value", "pass --type string to write it as text")
        return text, "written as a string (substitutions such as ${...} are not evaluated)" if "${" in text else None
    value = parsed["value"]
    if isinstance(value, Period):
        return value, f"{text.strip()!r} is a duration (the server reads it so); --type string keeps it text"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and text.strip() != str(value):
        return (
            value,
            f"{text.strip()!r} is read as the number {value} (the server reads it so too); --type string keeps it text",
        )
    return value, None


# --- the commands -----------------------------------------------------------------------------------------


def check_namespace(path: Path, force: bool) -> None:
    head = path[0]
    if head in KNOWN_NAMESPACES or force:
        return
    close = difflib.get_close_matches(str(head), KNOWN_NAMESPACES, n=1)
    suggestion = f"did you mean {close[0]}.{format_path(path[1:])}? " if close and len(path) > 1 else ""
    raise UsageError(
        f"{head!r} is not a section the server reads: it would load {head}.conf and never use it",
        f"{suggestion}Keys start with one of {', '.join(KNOWN_NAMESPACES)}; --force writes it anyway",
    )


def validate(path: Path, value: Any) -> None:
    found = schema.problems(path, value)
    if found:
        where, message = found[0]
        setting = schema.setting_for(where)
        hint = f"{format_path(where)} takes {setting.kind}" if setting else None
        raise UsageError(f"{format_path(where)} {message}", hint)


def get_value(view: FilesView, path: Path) -> Any:
    try:
        return lookup(view.merged(), path)
    except KeyError:
        raise NotSet(
            f"{format_path(path)} is not set in the configuration files ({view.dirs.describe()})",
            "--default VALUE prints a fallback instead; --effective includes the server's defaults",
        ) from None


def set_value(options: Options, path: Path, value: Any) -> Outcome:
    check_namespace(path, options.force)
    validate(path, value)
    view = FilesView(options.dirs, options.env)
    directory = options.dirs.write_dir
    config_file, inner = file_for_key(directory, view.files(directory), path)
    outcome = Outcome()
    loaded = view.loaded(config_file)
    with options.transaction() as tx:
        tx.lock(directory)
        document = tx.document(
            config_file.path,
            secret=config_file.namespace in ("secure",) or holds_secret(path, value),
            parsed=loaded.document if loaded else None,
        )
        try:
            document.set(where_to_set(document, inner), value)
        except HoconKeyError as e:
            raise UsageError(
                f"cannot set {format_path(path)}: {e}",
                "a list index must name an element that exists; to change the list, set the whole of it "
                f"(clearml-cfg get {format_path(_list_of(path))} shows it)",
            ) from None
        except HoconEditError as e:
            raise UsageError(f"cannot set {format_path(path)} in {config_file.path}: {e}", _edit_hint(e)) from None
        outcome.changes = tx.commit()
    if not options.dry_run:
        outcome.warnings.extend(_overridden(view, config_file, document, path, value))
    return outcome


def _list_of(path: Path) -> Path:
    """The path of the list that the last index in ``path`` points into (``a.users[5].x`` -> ``a.users``)."""
    last = max((i for i, segment in enumerate(path) if isinstance(segment, int)), default=len(path))
    return path[:last]


def holds_secret(path: Path, value: Any) -> bool:
    """Whether setting ``path`` to ``value`` writes a secret (at ``path`` or anywhere inside ``value``)."""
    return any(schema.is_secret(where) for where, _ in schema.walk(value, path))


def _edit_hint(error: HoconEditError) -> str:
    if "could not load the file after this" in str(error):
        return "nothing was written; change the substitution named there first (write the value in its place)"
    if "refusing" in str(error):
        return "nothing was written; please report this with the file, it is a bug in clearml-cfg"
    return "edit this part of the file by hand, or unset the key first"


def _overridden(view: FilesView, config_file: ConfigFile, document: Document, path: Path, value: Any) -> list[str]:
    """Warn when the value just written is not what the files now say (another file or directory wins).

    Only the edited file is read again: the view of the others is still the one taken before the edit.
    """
    tree = resolved_tree(config_file.path, document, dict(view.env))
    loaded = view.loaded(config_file)
    if loaded is not None:
        loaded.tree = tree
    else:
        view.layers = [
            (d, [*layer, LoadedFile(config_file, document, tree)] if d == config_file.directory else layer)
            for d, layer in view.layers
        ]
    try:
        now = lookup(view.merged(), path)
    except KeyError:
        now = None
    from .hocon import strict_equal

    if strict_equal(now, value):
        return []
    shown = schema.masked(now, path)
    return [f"{format_path(path)} still reads {shown!r}: another file or directory overrides it (see clearml-cfg show)"]


def unset_value(options: Options, path: Path, missing_ok: bool) -> Outcome:
    view = FilesView(options.dirs, options.env)
    found = view.definitions(path)
    outcome = Outcome()
    if not found:
        if missing_ok:
            outcome.notes.append(f"{format_path(path)} is not set; nothing to do")
            return outcome
        raise NotSet(
            f"{format_path(path)} is not set in the configuration files ({options.dirs.describe()})",
            "--missing-ok makes this a success",
        )
    with options.transaction() as tx:
        for directory in sorted({loaded.file.directory for loaded, _ in found}):
            tx.lock(directory)
        for loaded, inner in found:
            document = tx.document(loaded.file.path)
            try:
                document.unset(inner)
            except HoconKeyError:
                continue  # another definition in the same file already went with the first
            except HoconEditError as e:
                raise UsageError(
                    f"cannot remove {format_path(path)} from {loaded.file.path}: {e}", _edit_hint(e)
                ) from None
        outcome.changes = tx.commit()
    return outcome


def show_tree(view: FilesView, namespace: Path | None) -> Any:
    tree = view.merged()
    if not namespace:
        return tree
    try:
        return lookup(tree, namespace)
    except KeyError:
        raise NotSet(
            f"{format_path(namespace)} is not set in the configuration files ({view.dirs.describe()})",
            "clearml-cfg show lists what the files set; add --effective to include the server's defaults",
        ) from None


# --- init -------------------------------------------------------------------------------------------------

STARTERS: dict[str, str] = {
    "apiserver.conf": """\
# apiserver.conf: settings of the ClearML API server (port 8008).
#
# This file holds the inside of the `apiserver` section: write `auth { ... }`, not
# `apiserver { auth { ... } }`. Whatever is not set here keeps the server's built-in default.
# The server reads its configuration at start-up: restart the apiserver after a change.
#
# Edit it with clearml-cfg, which keeps comments and layout and shows each change:
#   clearml-cfg set apiserver.auth.cookies.domain .example.com
#   clearml-cfg get apiserver.auth.cookies.domain
#   clearml-cfg unset apiserver.auth.cookies.domain
#   clearml-cfg show apiserver
""",
    "services.conf": """\
# services.conf: settings of the API server's services (tasks, organization, ...).
#
# This file holds the inside of the `services` section, e.g.
# `tasks { non_responsive_tasks_watchdog { ... } }`. A file services/NAME.conf in this directory
# overrides the same keys under `NAME` here. Restart the apiserver after a change.
#
# Edit it with clearml-cfg:
#   clearml-cfg set services.tasks.non_responsive_tasks_watchdog.threshold_sec 7200
#   clearml-cfg show services
""",
    "fileserver.conf": """\
# fileserver.conf: settings of the ClearML file server (port 8081).
#
# The file server reads its own settings from here, not from apiserver.conf: CORS for file
# downloads goes in this file as `cors { ... }`. Restart the fileserver after a change.
#
# Edit it with clearml-cfg:
#   clearml-cfg set fileserver.cors.origins https://app.example.com
#   clearml-cfg show fileserver
""",
}


def init_dir(options: Options) -> Outcome:
    directory = options.dirs.write_dir
    outcome = Outcome()
    with options.transaction() as tx:
        tx.lock(directory)
        for name, text in STARTERS.items():
            path = directory / name
            if (path.exists() or path.is_symlink()) and not options.force:
                outcome.notes.append(f"{path} exists: kept as it is (--force replaces it, keeping a backup)")
                continue
            tx.replace_text(path, text)
        outcome.changes = tx.commit()
    return outcome
