"""Where admin calls may touch the file system: scenario files are read from configured folders, key files written
under configured key folders, nowhere else.

A scenario `path` is a shipped scenario's name (always allowed) or a file that resolves (symlinks and `..` followed)
inside a `scenario_dirs` folder or the shipped library: a relative path is looked for in each `scenario_dirs` folder in
turn, then from the mock's working directory, and the first of those inside the folders that holds a file is taken; a
symlink on the way out of a folder is refused.
The scenario's `public_key_file`s are held to the same folders. A `key_dir` must resolve inside a `key_dirs` folder. The
Python API (`MockServer.load_scenario`) and `serve`'s own options are trusted and not confined: whoever writes them
already runs code on the machine.
"""

from __future__ import annotations

import errno
import functools
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from mockexchange.control import ControlError
from mockexchange.scenario import library
from mockexchange.scenario.operations import Scenarios


def _resolved(folders: Iterable[str | Path]) -> tuple[Path, ...]:
    return tuple(Path(folder).resolve() for folder in folders)


def _resolve(path: str | Path, what: str) -> Path:
    try:
        return Path(path).resolve()
    except (OSError, ValueError, RuntimeError) as exc:  # a NUL byte, a name too long, a symlink loop
        raise ControlError(f"{what} {str(path)!r} is not a usable path: {exc}") from None


def _inside(path: Path, roots: tuple[Path, ...]) -> bool:
    return any(path.is_relative_to(root) for root in roots)


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # unreadable on the way: the loader says why
        return False


class AdminPaths:
    """The folders of one mock's admin API, resolved once (relative ones from the working directory at start)."""

    def __init__(self, scenario_dirs: Iterable[str | Path], key_dirs: Iterable[str | Path]) -> None:
        self.scenario_roots = _resolved([library.library_dir(), *scenario_dirs])
        self.key_roots = _resolved(key_dirs)

    def scenario_file(self, path: str) -> Path:
        """The file a scenario `path` names, or a 403 naming the folders that are allowed."""
        shipped = library.shipped_file(path)  # a name is the shipped scenario's, even if a file there has that name
        if shipped is not None:
            return shipped
        given = Path(path)
        # In each folder given (`{"path": "mine.yaml"}` for DIR/mine.yaml), then as the working directory has it.
        written = [] if given.is_absolute() else [root / given for root in self.scenario_roots[1:]]
        inside = []
        for candidate in [*written, Path(os.path.abspath(given))]:
            resolved = _resolve(candidate, "path")
            if _inside(resolved, self.scenario_roots):
                if _is_file(resolved):
                    return resolved
                inside.append(resolved)
            elif _inside(Path(os.path.normpath(candidate)), self.scenario_roots):
                break  # a symlink in a folder that leads out of them: refused where it stands
        else:
            if inside:  # in none of them: the loader's 404, naming the first (one outside is never looked at)
                return inside[0]
        raise ControlError(f"path {path!r} lies outside the scenario folders: {self._scenario_folders()}", 403)

    def key_dir(self, key_dir: str) -> Path:
        """The folder a `key_dir` names, or a 403 naming the key folders that are allowed."""
        resolved = _resolve(key_dir, "key_dir")
        if not self.key_roots:
            raise ControlError(
                "key_dir is refused: admin calls may write keys only under a configured key folder (serve's --key-dir, "
                "Settings.key_dirs) and none is configured",
                403,
            )
        if not _inside(resolved, self.key_roots):
            folders = ", ".join(str(root) for root in self.key_roots)
            raise ControlError(f"key_dir {key_dir!r} lies outside the key folder(s) {folders} (serve --key-dir)", 403)
        return resolved

    def read_key_file(self, path: Path) -> str:
        """A scenario's `public_key_file`, read only inside the scenario folders (an OSError the scenario reports)."""
        try:
            resolved = path.resolve()
        except (ValueError, RuntimeError) as exc:  # a NUL byte, a symlink loop: the scenario's problem too
            raise OSError(errno.EINVAL, str(exc)) from None
        if not _inside(resolved, self.scenario_roots):
            raise PermissionError(errno.EACCES, f"outside the scenario folders: {self._scenario_folders()}")
        return resolved.read_text()

    def _scenario_folders(self) -> str:
        configured = ", ".join(str(root) for root in self.scenario_roots[1:]) or "none configured"
        return f"{configured} (serve --scenario-dir DIR; the shipped scenarios load by name)"

    def confined_load(self, scenarios: Scenarios) -> Callable[..., dict[str, Any]]:
        """`scenarios.load_scenario` with its `path`, `key_dir` and key files held to these folders; the same
        signature, so the admin API and its OpenAPI document take the same body fields."""
        load = scenarios.load_scenario

        @functools.wraps(load)
        def load_scenario(**fields: Any) -> dict[str, Any]:
            path, key_dir = fields.get("path"), fields.get("key_dir")
            # Wrong types and path-with-document are load_scenario's to refuse, with its own words.
            if isinstance(path, str) and path and fields.get("document") is None:
                fields["path"] = str(self.scenario_file(path))
            if isinstance(key_dir, str) and key_dir:
                fields["key_dir"] = str(self.key_dir(key_dir))
            return load(**fields, read_key_file=self.read_key_file)

        return load_scenario
