"""Configuration: discovery, inheritance, validation and the effective settings per directory.

A configuration is ``[tool.wasm-go-lint]`` in ``pyproject.toml`` or the top level of
``wasm-go-lint.toml`` / ``.wasm-go-lint.toml``. For each analysed directory the closest
one wins: the search goes upwards from the directory and stops at the git root (a
directory holding ``.git``) or the filesystem root; in one directory
``.wasm-go-lint.toml`` beats ``wasm-go-lint.toml`` beats ``pyproject.toml`` (a
``pyproject.toml`` without the table is not a configuration). ``extend = "../path"``
inherits another file (or the configuration of another directory); the closer file's
keys win, ``extend-select``/``extend-exclude``/``per-file-ignores``/``severity``
accumulate. Command-line flags are the last layer. ``--config FILE`` replaces the
discovery, ``--isolated`` ignores every file.

Rule selection is layered like ruff's: starting from every rule, each layer (farthest
first) applies ``select`` (replacing the set), then ``extend-select``, then ``ignore``.

Errors are one line naming the file, the key and the allowed values
(``ConfigError``); the command line turns them into exit code 2.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from linter.catalog import CATALOG
from linter.diagnostics import Diagnostic, Severity
from linter.rule import Rule
from linter.selection import SelectorError, matching

DEDICATED = (".wasm-go-lint.toml", "wasm-go-lint.toml")
PYPROJECT = "pyproject.toml"
CONFIG_NAMES = (*DEDICATED, PYPROJECT)
TABLE = "wasm-go-lint"
SEVERITIES = ("error", "warning", "info")
DEFAULT_EXCLUDE = ("vendor", "node_modules")
"""Excluded unless ``exclude`` says otherwise. Directories starting with ``.`` or ``_``
and ``testdata`` are always skipped, as the go tool does."""

KEYS: dict[str, str] = {
    "extend": "a path to another configuration file",
    "select": "a list of rule codes, names, prefixes or ALL",
    "extend-select": "a list of rule codes, names, prefixes or ALL",
    "ignore": "a list of rule codes, names, prefixes or ALL",
    "per-file-ignores": "a table of glob = [rule codes, names or prefixes]",
    "exclude": "a list of globs",
    "extend-exclude": "a list of globs",
    "include-tests": "true or false",
    "severity": 'a table of rule code, name or prefix = "error" | "warning" | "info"',
    "fail-on": '"error", "warning" or "info"',
    "output-format": "an output format",
}


class ConfigError(ValueError):
    """A bad configuration; ``str()`` is one line naming the file and key."""


def shown(path: str) -> str:
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    if absolute == cwd or absolute.startswith(cwd.rstrip(os.sep) + os.sep):
        return os.path.relpath(absolute, cwd)
    return absolute


# --- globs -------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    """A glob from a configuration, relative to that file's directory.

    Without a ``/`` it matches any path component (``vendor``, ``*_gen.go``); with one
    it matches the path relative to the base (``internal/legacy/**``, ``gen/*.go``).
    A pattern that matches a directory matches everything below it.
    """

    base: str
    """The directory the glob is relative to ("" for the built-in defaults: names only)."""
    glob: str

    @cached_property
    def normalised(self) -> str:
        text = self.glob.strip()
        while text.startswith("./"):
            text = text[2:]
        return text.rstrip("/") or "."

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile(_translate(self.normalised))

    @property
    def anchored(self) -> bool:
        return "/" in self.normalised

    def matches(self, path: str) -> bool:
        absolute = os.path.abspath(path)
        parts = _relative_parts(absolute, self.base) if self.base else []
        if not self.anchored:
            return any(self.regex.fullmatch(part) for part in parts or [os.path.basename(absolute)])
        return any(self.regex.fullmatch("/".join(parts[:i])) for i in range(len(parts), 0, -1))


def _relative_parts(path: str, base: str) -> list[str]:
    if path != base and not path.startswith(base.rstrip(os.sep) + os.sep):
        return []
    return [p for p in os.path.relpath(path, base).split(os.sep) if p not in ("", ".")]


def _translate(glob: str) -> str:
    glob = glob.rstrip("/")
    out: list[str] = []
    i = 0
    while i < len(glob):
        char = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[" and (close := glob.find("]", i + 2)) != -1:
            body = glob[i + 1 : close]
            body = "^" + body[1:] if body.startswith("!") else body
            out.append(f"[{body.replace(chr(92), chr(92) * 2)}]")
            i = close + 1
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out)


# --- selectors ---------------------------------------------------------------------


def known_codes() -> dict[str, str]:
    """Catalog codes (every rule, implemented or not) and implemented rules -> names."""
    known = {code: name for code, (name, _) in CATALOG.items()}
    for rule in matching("ALL"):
        known.setdefault(rule.code, rule.name)
    return known


def select_rules(selector: str) -> list[type[Rule]]:
    """Implemented rules a selector names; a catalogued but unimplemented code selects none.

    Raises ``SelectorError`` for anything that names no catalogued rule.
    """
    try:
        return matching(selector)
    except SelectorError:
        if expand(selector):
            return []
        raise


def expand(selector: str) -> set[str]:
    """Every code (catalogued or implemented) a selector names; empty when it names none."""
    token = selector.strip()
    known = known_codes()
    if token.upper() == "ALL":
        return set(known)
    for code, name in known.items():
        if name == token.lower():
            return {code}
    upper = token.upper()
    if not upper.startswith("WG"):
        return set()
    return {code for code in known if code.startswith(upper)}


def _selector_list(value: Any, where: str, key: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: {key} must be {KEYS.get(key, 'a list of rule selectors')}, got {_describe(value)}")
    out: list[str] = []
    for item in value:
        for part in (p.strip() for p in item.split(",")):
            if not part:
                continue
            if not expand(part):
                raise ConfigError(f"{where}: {key}: {_unknown_selector(part)}")
            out.append(part)
    return out


def _unknown_selector(token: str) -> str:
    known = known_codes()
    candidates = [*known, *known.values()]
    import difflib  # only for a misspelt selector

    guess = difflib.get_close_matches(token, candidates, n=1, cutoff=0.6)
    hint = f"did you mean {guess[0]!r}? " if guess else ""
    return (
        f"unknown rule selector {token!r}; {hint}allowed values: a code (WG103), a name "
        "(pause-without-resume), a code prefix (WG1) or ALL"
    )


def _describe(value: Any) -> str:
    text = json.dumps(value) if isinstance(value, (str, int, float, bool, list, dict)) else repr(value)
    return f"{type(value).__name__} {text[:60]}"


# --- one file ----------------------------------------------------------------------


@dataclass
class Layer:
    """The validated keys of one configuration file (or of the command line)."""

    source: str
    """The file (absolute), or ``command line``."""
    directory: str
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    per_file_ignores: list[tuple[Pattern, frozenset[str], str]] = field(default_factory=list)
    exclude: list[Pattern] | None = None
    extend_exclude: list[Pattern] = field(default_factory=list)
    include_tests: bool | None = None
    severity: dict[str, tuple[str, Severity]] = field(default_factory=dict)
    """Normalised selector -> (selector as written, severity)."""
    fail_on: Severity | None = None
    output_format: str | None = None
    extend: str | None = None


def output_formats() -> list[str]:
    from linter.reporters import REPORTERS

    return sorted(REPORTERS)


def read_layer(path: str) -> Layer:
    """Parse and validate one configuration file; ``ConfigError`` if it is bad."""
    where = shown(path)
    table = _read_table(path, where)
    if table is None:
        raise ConfigError(f"{where}: no [tool.{TABLE}] table")
    return _layer(table, os.path.abspath(path), where)


def _read_table(path: str, where: str) -> dict[str, Any] | None:
    """The configuration table of a file; None for a pyproject.toml without one."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read configuration: {exc.strerror or exc}") from exc
    is_pyproject = os.path.basename(path) == PYPROJECT
    if is_pyproject and TABLE.encode() not in data:
        return None
    if sys.version_info >= (3, 11):
        import tomllib  # only when a configuration file is read (most runs read none)
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        parsed = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML: not UTF-8 (byte {exc.start})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML: {' '.join(str(exc).split())}") from exc
    if not is_pyproject:
        return dict(parsed)
    tool = parsed.get("tool")
    table = tool.get(TABLE) if isinstance(tool, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: tool.{TABLE} must be a table")
    return dict(table)


def _layer(table: dict[str, Any], path: str, where: str) -> Layer:
    directory = os.path.dirname(path)
    layer = Layer(source=path, directory=directory)
    prefix = f"tool.{TABLE}." if os.path.basename(path) == PYPROJECT else ""
    for key, value in table.items():
        name = f"{prefix}{key}"
        if key not in KEYS:
            import difflib  # only for an unknown key

            guess = difflib.get_close_matches(key, list(KEYS), n=1, cutoff=0.6)
            hint = f"did you mean {guess[0]!r}? " if guess else ""
            raise ConfigError(f"{where}: unknown key {name!r}; {hint}allowed keys: {', '.join(KEYS)}")
        if key == "extend":
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{where}: {name} must be {KEYS[key]}, got {_describe(value)}")
            layer.extend = os.path.normpath(os.path.join(directory, os.path.expanduser(value)))
        elif key == "select":
            layer.select = _selector_list(value, where, name)
        elif key == "extend-select":
            layer.extend_select = _selector_list(value, where, name)
        elif key == "ignore":
            layer.ignore = _selector_list(value, where, name)
        elif key in ("exclude", "extend-exclude"):
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise ConfigError(f"{where}: {name} must be {KEYS[key]}, got {_describe(value)}")
            patterns = [Pattern(directory, v) for v in value]
            if key == "exclude":
                layer.exclude = patterns
            else:
                layer.extend_exclude = patterns
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: {name} must be {KEYS[key]}, got {_describe(value)}")
            for glob, selectors in value.items():
                listed = _selector_list(selectors, where, f"{name}.{_toml_key(glob)}")
                codes = frozenset(c for s in listed for c in expand(s))
                layer.per_file_ignores.append((Pattern(directory, glob), codes, glob))
        elif key == "include-tests":
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: {name} must be {KEYS[key]}, got {_describe(value)}")
            layer.include_tests = value
        elif key == "severity":
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: {name} must be {KEYS[key]}, got {_describe(value)}")
            for selector, level in value.items():
                if not expand(selector):
                    raise ConfigError(f"{where}: {name}: {_unknown_selector(selector)}")
                layer.severity[_normalise(selector)] = (selector, _severity(level, where, f"{name}.{selector}"))
        elif key == "fail-on":
            layer.fail_on = _severity(value, where, name)
        elif key == "output-format":
            formats = output_formats()
            if value not in formats:
                raise ConfigError(
                    f"{where}: {name} = {json.dumps(value)} is not allowed; allowed values: {', '.join(formats)}"
                )
            layer.output_format = value
    return layer


def _severity(value: Any, where: str, key: str) -> Severity:
    if not isinstance(value, str) or value.lower() not in SEVERITIES:
        shown_value = json.dumps(value) if isinstance(value, (str, int, float, bool)) else _describe(value)
        raise ConfigError(f"{where}: {key} = {shown_value} is not allowed; allowed values: {', '.join(SEVERITIES)}")
    return Severity(value.lower())


def _normalise(selector: str) -> str:
    """Codes, prefixes and ALL upper-case; names as the code they name."""
    token = selector.strip()
    known = known_codes()
    for code, name in known.items():
        if name == token.lower():
            return code
    return token.upper()


def _specificity(selector: str, code: str) -> int:
    """How closely a normalised selector names ``code`` (-1: not at all)."""
    if selector == "ALL":
        return 0
    if selector == code:
        return 100
    return len(selector) if code.startswith(selector) else -1


# --- effective settings ------------------------------------------------------------


@dataclass(frozen=True)
class Overrides:
    """Settings given on the command line: the last layer."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    include_tests: bool | None = None
    fail_on: Severity | None = None
    output_format: str | None = None
    rules: tuple[type[Rule], ...] | None = None
    """The rules the command line selects on its own: used where no configuration
    file applies (so callers that resolve rules themselves keep their choice)."""

    def layer(self) -> Layer:
        def listed(values: Iterable[str]) -> list[str]:
            out: list[str] = []
            for value in values:
                for part in (p.strip() for p in value.split(",")):
                    if part:
                        select_rules(part)  # SelectorError for a bad one
                        out.append(part)
            return out

        return Layer(
            source="command line",
            directory=os.getcwd(),
            select=listed(self.select) if self.select is not None else None,
            extend_select=listed(self.extend_select),
            ignore=listed(self.ignore),
            include_tests=self.include_tests,
            fail_on=self.fail_on,
            output_format=self.output_format,
        )


@dataclass
class Settings:
    """What applies to one directory: the merged chain of layers."""

    files: tuple[str, ...]
    """The configuration files, closest first (empty: defaults only)."""
    layers: tuple[Layer, ...]
    """Farthest first, the command line last."""

    @cached_property
    def rules(self) -> tuple[type[Rule], ...]:
        chosen: dict[str, type[Rule]] = {r.code: r for r in matching("ALL")}
        for layer in self.layers:
            if layer.select is not None:
                chosen = {r.code: r for s in layer.select for r in select_rules(s)}
            for selector in layer.extend_select:
                chosen.update((r.code, r) for r in select_rules(selector))
            for selector in layer.ignore:
                for r in select_rules(selector):
                    chosen.pop(r.code, None)
        return tuple(chosen[code] for code in sorted(chosen))

    @cached_property
    def per_file_ignores(self) -> list[tuple[Pattern, frozenset[str], str]]:
        return [entry for layer in self.layers for entry in layer.per_file_ignores]

    @cached_property
    def exclude(self) -> list[Pattern]:
        patterns = [Pattern("", glob) for glob in DEFAULT_EXCLUDE]
        for layer in self.layers:
            if layer.exclude is not None:
                patterns = list(layer.exclude)
            patterns.extend(layer.extend_exclude)
        return patterns

    @cached_property
    def severity(self) -> dict[str, tuple[str, Severity]]:
        merged: dict[str, tuple[str, Severity]] = {}
        for layer in self.layers:
            merged.update(layer.severity)
        return merged

    def _last(self, attribute: str) -> Any:
        for layer in reversed(self.layers):
            value = getattr(layer, attribute)
            if value is not None:
                return value
        return None

    @property
    def include_tests(self) -> bool:
        return bool(self._last("include_tests"))

    @property
    def fail_on(self) -> Severity:
        value = self._last("fail_on")
        return value if isinstance(value, Severity) else Severity.INFO

    @property
    def output_format(self) -> str | None:
        value = self._last("output_format")
        return value if isinstance(value, str) else None

    def excluded(self, path: str) -> bool:
        return any(pattern.matches(path) for pattern in self.exclude)

    def ignored_codes(self, path: str) -> frozenset[str]:
        """Codes that ``per-file-ignores`` disables for the file at ``path``."""
        codes: set[str] = set()
        for pattern, listed, _ in self.per_file_ignores:
            if pattern.matches(path):
                codes |= listed
        return frozenset(codes)

    def severity_of(self, code: str, default: Severity) -> Severity:
        best: tuple[int, Severity] | None = None
        for selector, (_, level) in self.severity.items():
            rank = _specificity(selector, code)
            if rank >= 0 and (best is None or rank >= best[0]):
                best = (rank, level)
        return default if best is None else best[1]

    def adjust(self, diagnostics: Iterable[Diagnostic]) -> None:
        """Apply the severity overrides (internal errors stay errors)."""
        if not self.severity:
            return
        for d in diagnostics:
            if not d.extra.get("internal_error"):
                d.severity = self.severity_of(d.code, d.severity)

    def describe(self, path: str | None = None) -> dict[str, Any]:
        """The effective settings as plain data (``config --show``)."""
        data: dict[str, Any] = {
            "config-files": [shown(f) for f in self.files],
            "select": [r.code for r in self.rules],
            "per-file-ignores": {
                _pattern_text(pattern): sorted(codes) for pattern, codes, _ in self.per_file_ignores
            },
            "exclude": [_pattern_text(p) for p in self.exclude],
            "include-tests": self.include_tests,
            "severity": {written: level.value for written, level in self.severity.values()},
            "fail-on": self.fail_on.value,
            "output-format": self.output_format or "full",
        }
        if path is not None and os.path.isfile(path):
            data["ignored-in-file"] = sorted(self.ignored_codes(path))
        return data


def _pattern_text(pattern: Pattern) -> str:
    if not pattern.anchored or not pattern.base:
        return pattern.normalised
    base = shown(pattern.base)
    return pattern.normalised if base in (".", "") else f"{base}/{pattern.normalised}"


class Resolver:
    """Finds and caches the settings of each directory of a run."""

    def __init__(self, overrides: Overrides | None = None, config_file: str | None = None, isolated: bool = False) -> None:
        if config_file is not None and isolated:
            raise ConfigError("--config and --isolated cannot be used together")
        self.overrides = overrides or Overrides()
        self.cli = self.overrides.layer()
        self.config_file = os.path.abspath(config_file) if config_file is not None else None
        self.isolated = isolated
        self._closest: dict[str, str | None] = {}
        self._chains: dict[str | None, Settings] = {}
        self._layers: dict[str, Layer] = {}
        self._by_path: dict[str, Settings] = {}
        if self.config_file is not None and not os.path.isfile(self.config_file):
            raise ConfigError(f"{shown(self.config_file)}: --config: no such file")

    def settings_for(self, path: str) -> Settings:
        """The settings of a directory (or of the directory of a file)."""
        cached = self._by_path.get(path)
        if cached is not None:
            return cached
        absolute = os.path.abspath(path)
        directory = absolute if os.path.isdir(absolute) else os.path.dirname(absolute)
        if self.isolated:
            found = None
        elif self.config_file is not None:
            found = self.config_file
        else:
            found = self.closest(directory)
        settings = self._chains.get(found)
        if settings is None:
            settings = self._settings(found)
            self._chains[found] = settings
        self._by_path[path] = settings
        return settings

    def used(self) -> list[Settings]:
        return list(self._chains.values())

    def closest(self, directory: str) -> str | None:
        """The configuration file that governs ``directory``, if any."""
        visited: list[str] = []
        current = directory
        found: str | None = None
        while True:
            if current in self._closest:
                found = self._closest[current]
                break
            visited.append(current)
            hit = self._config_in(current)
            if hit is not None:
                found = hit
                break
            parent = os.path.dirname(current)
            if parent == current or os.path.exists(os.path.join(current, ".git")):
                break
            current = parent
        for seen in visited:
            self._closest[seen] = found
        return found

    def _config_in(self, directory: str) -> str | None:
        for name in CONFIG_NAMES:
            candidate = os.path.join(directory, name)
            if not os.path.isfile(candidate):
                continue
            if name != PYPROJECT or _read_table(candidate, shown(candidate)) is not None:
                return candidate
        return None

    def _layer(self, path: str) -> Layer:
        layer = self._layers.get(path)
        if layer is None:
            layer = read_layer(path)
            self._layers[path] = layer
        return layer

    def _settings(self, found: str | None) -> Settings:
        chain: list[Layer] = []
        seen: list[str] = []
        current = found
        while current is not None:
            if current in seen:
                cycle = " -> ".join(shown(p) for p in [*seen, current])
                raise ConfigError(f"{shown(seen[-1])}: extend: circular inheritance ({cycle})")
            seen.append(current)
            layer = self._layer(current)
            chain.append(layer)
            current = self._extended(layer)
        ordered = tuple(reversed(chain))
        settings = Settings(files=tuple(seen), layers=(*ordered, self.cli))
        if not seen and self.overrides.rules is not None:
            settings.rules = tuple(sorted(self.overrides.rules, key=lambda r: r.code))
        return settings

    def _extended(self, layer: Layer) -> str | None:
        target = layer.extend
        if target is None:
            return None
        where = shown(layer.source)
        if os.path.isdir(target):
            hit = self._config_in(target)
            if hit is None:
                raise ConfigError(f"{where}: extend: no configuration file in {shown(target)} (allowed: {', '.join(CONFIG_NAMES)})")
            return hit
        if not os.path.isfile(target):
            raise ConfigError(f"{where}: extend: {shown(target)}: no such file")
        return target


# --- config --show -----------------------------------------------------------------


def to_toml(data: dict[str, Any]) -> str:
    """A small TOML writer for the flat ``describe()`` shape."""
    scalars: list[str] = []
    tables: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict):
            rows = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()]
            tables.append("\n".join([f"[{key}]", *rows]))
        else:
            scalars.append(f"{key} = {_toml_value(value)}")
    return "\n\n".join(["\n".join(scalars), *tables]) + "\n"


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Sequence):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(value)
