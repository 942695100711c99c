"""The generic commands: init, get, set, unset and show, over every config directory the server reads.

Reading merges the files of all directories as the server merges them (without its built-in defaults and
environment overrides: that view is ``show --effective``). Writing goes to the directory that wins.
"""

from __future__ import annotations

from typing import Any

from ..errors import NotSet, UsageError
from ..hocon import HoconEditError, HoconKeyError, KeyPath, format_path, strict_equal
from ..model import schema
from ..model.keys import MISSING
from ..model.layout import check_namespace, file_for_key
from ..model.logins import refuse_password_edit
from ..model.schema import validate
from ..views.files import FilesView, where_to_set
from .base import Options, Outcome, edit_hint


def get_value(options: Options, path: KeyPath) -> Any:
    options.require_dirs()
    value = FilesView(options.dirs, options.env).value(path)
    if value is MISSING:
        raise NotSet(
            f"{format_path(path)} is not set in the configuration files ({options.dirs.describe()})",
            "--default VALUE prints a fallback instead; --effective includes the server's defaults",
        )
    return value


def set_value(options: Options, path: KeyPath, value: Any) -> Outcome:
    check_namespace(path, options.force)
    directory = options.dirs.write_dir
    outcome = Outcome()
    with options.transaction() as tx:
        tx.lock(directory)
        snapshot = options.snapshot(tx.reader)
        view = snapshot.files
        refuse_password_edit(path, view.value((*path[:-1], "username")), options.force)
        from .check.rules import Rules  # the rules of check load with a write: `get` does without them

        rules = Rules(snapshot, [path])
        config_file, inner = file_for_key(directory, view.files(directory), path)
        secret = config_file.namespace in ("secure",) or holds_secret(path, value)
        document = tx.document(config_file.path, secret=secret)
        try:
            document.set(where_to_set(document, inner), value)
        except HoconKeyError as e:
            raise UsageError(
                f"cannot set {format_path(path)}: {e}",
                "a list index must name an element that exists; to change the list, set the whole of it "
                f"(clearml-cfg get {format_path(_list_of(path))} shows it)",
            ) from None
        except HoconEditError as e:
            raise UsageError(f"cannot set {format_path(path)} in {config_file.path}: {e}", edit_hint(e)) from None
        outcome.warnings.extend(rules.verdict(force=options.force))
        if not options.force:
            validate(path, value)  # after check's rules, so that a refusal says check's code; this adds the rest
        outcome.changes = tx.commit()
    if not options.dry_run:
        view.add(config_file, document)
        outcome.warnings.extend(_overridden(view, path, value))
    return outcome


def _list_of(path: KeyPath) -> KeyPath:
    """The path of the list that the last index in ``path`` points into (``a.users[5].x`` -> ``a.users``)."""
    last = max((i for i, segment in enumerate(path) if isinstance(segment, int)), default=len(path))
    return path[:last]


def holds_secret(path: KeyPath, value: Any) -> bool:
    """Whether setting ``path`` to ``value`` writes a secret (at ``path`` or anywhere inside ``value``), by its key
    or by what it is (a URL with a password)."""
    return schema.holds_secret(value, path)


def _overridden(view: FilesView, path: KeyPath, value: Any) -> list[str]:
    """Warn when the value just written is not what the files now say (another file or directory wins).

    The view shares the transaction's documents: only the edited file's tree is computed again."""
    now = view.value(path)
    if now is not MISSING and strict_equal(now, value):
        return []
    shown = schema.masked(None if now is MISSING else now, path)
    return [f"{format_path(path)} still reads {shown!r}: another file or directory overrides it (see clearml-cfg show)"]


def unset_value(options: Options, path: KeyPath, missing_ok: bool) -> Outcome:
    outcome = Outcome()
    with options.transaction() as tx:
        # The key may be written in any directory: lock every one there is (in one order, as every command
        # does), then read under the locks.
        for directory in sorted({d for d in options.dirs.dirs if d.is_dir()}):
            tx.lock(directory)
        if not tx.locked and not options.dry_run:
            found = []
        else:
            snapshot = options.snapshot(tx.reader)
            found = snapshot.files.definitions(path)
        if not found:
            if missing_ok:
                outcome.notes.append(f"{format_path(path)} is not set; nothing to do")
                return outcome
            raise NotSet(
                f"{format_path(path)} is not set in the configuration files ({options.dirs.describe()})",
                "--missing-ok makes this a success",
            )
        from .check.rules import Rules  # the rules of check load with a write: `get` does without them

        rules = Rules(snapshot, [path])
        for loaded, inner in found:
            document = tx.document(loaded.file.path)
            try:
                document.unset(inner)
            except HoconKeyError:
                continue  # another definition in the same file already went with the first
            except HoconEditError as e:
                raise UsageError(
                    f"cannot remove {format_path(path)} from {loaded.file.path}: {e}", edit_hint(e)
                ) from None
        outcome.warnings.extend(rules.verdict(force=options.force))
        outcome.changes = tx.commit()
    return outcome


def show_tree(options: Options, namespace: KeyPath | None) -> Any:
    options.require_dirs()
    view = FilesView(options.dirs, options.env)
    if not namespace:
        return view.merged()
    found = view.value(namespace)
    if found is MISSING:
        raise NotSet(
            f"{format_path(namespace)} is not set in the configuration files ({options.dirs.describe()})",
            "clearml-cfg show lists what the files set; add --effective to include the server's defaults",
        )
    return found


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
