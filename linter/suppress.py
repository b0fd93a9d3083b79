"""Inline suppressions and the findings about them (WG900-WG902).

Suppression comments are valid Go line comments:

- ``//wasm-go-lint:ignore WG103 reason``: the next code line (comment-only lines in
  between are skipped), or the comment's own line when it trails code;
- ``//wasm-go-lint:file-ignore WG301 reason``: the whole file;
- ``//nolint:WG103 // reason`` and ``//nolint:wasm-go-lint`` (golangci-lint habit): the
  comment's own line, or the next code line when the comment stands alone. Entries
  naming other linters (``errcheck``) are left alone.

Entries are codes or names, comma-separated. A diagnostic is suppressed when its start
line is a suppression's target line (or the file has a ``file-ignore``) and an entry
names its code. Comments are found from ``comment`` nodes: the engine's shared walk
hands them to ``SuppressionScanner.check``; when no walk ran over a file a tree-sitter
query finds them instead. After every rule of a package ran, ``Suppressions.apply``
removes the suppressed diagnostics and reports WG900 (unused), WG901 (no reason) and
WG902 (unknown rule). Those three can be suppressed only by ``file-ignore`` or by
configuration, never by a line comment.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from tree_sitter import Node

from linter.catalog import CATALOG
from linter.diagnostics import Applicability, Diagnostic, Edit, Fix, Severity
from linter.rule import FileContext, Rule

UNUSED, NO_REASON, UNKNOWN = "WG900", "WG901", "WG902"
META = frozenset({UNUSED, NO_REASON, UNKNOWN})
"""Findings about suppressions: suppressible by file-ignore or configuration only."""

_START = re.compile(rb"//[ \t]*(?:nolint:|wasm-go-lint:)")
_OURS = re.compile(r"//[ \t]*wasm-go-lint:([A-Za-z_-]*)(.*)", re.S)
_NOLINT = re.compile(r"//[ \t]*nolint:([\w.-]+(?:,[\w.-]+)*)(.*)", re.S)
_LIST = re.compile(r"[ \t]+([\w.-]+(?:[ \t]*,[ \t]*[\w.-]+)*)")
_ENTRY = re.compile(r"[\w.-]+")
_CODE = re.compile(r"WG\d+", re.I)
_REASON_LEAD = re.compile(r"^[\s:;,.-]*(?://)?[\s:-]*")
DIRECTIVES = ("ignore", "file-ignore")
ALL_OF_US = "wasm-go-lint"


@dataclass
class Entry:
    """One item of a suppression's list, as written."""

    text: str
    start_byte: int
    end_byte: int
    code: str | None
    """The catalog code it names (a code or a name), or None."""
    ours: bool
    """Counts for wasm-go-lint (False for another linter's ``nolint`` entry)."""
    everything: bool = False
    """``nolint:wasm-go-lint``: every rule of ours."""
    used: bool = False

    @property
    def unknown(self) -> bool:
        return self.ours and self.code is None and not self.everything

    def names(self, code: str) -> bool:
        return self.everything or self.code == code


@dataclass
class Suppression:
    kind: str
    """``ignore``, ``file-ignore``, ``nolint`` or ``bad-directive``."""
    start_byte: int
    end_byte: int
    """The comment, without a trailing carriage return."""
    line: int
    standalone: bool
    """Nothing but whitespace before the comment on its line."""
    target: int | None
    """The line it applies to; None for a whole-file suppression."""
    entries: list[Entry] = field(default_factory=list)
    reason: str = ""
    directive: str = ""

    @property
    def ours(self) -> list[Entry]:
        return [e for e in self.entries if e.ours]

    @property
    def whole_file(self) -> bool:
        return self.kind == "file-ignore"

    def syntax(self, codes: str = "WG103") -> str:
        if self.kind == "nolint":
            return f"//nolint:{codes} // <reason>"
        return f"//wasm-go-lint:{self.kind} {codes} <reason>"


def known_rules(extra: Iterable[Rule | type[Rule]] = ()) -> dict[str, str]:
    """Code -> name for every catalogued (and every given) rule."""
    known = {code: name for code, (name, _) in CATALOG.items()}
    for rule in extra:
        known.setdefault(rule.code, rule.name)
    return known


def parse_comment(fctx: FileContext, node: Node | tuple[int, int], known: dict[str, str]) -> Suppression | None:
    """The suppression a ``comment`` node (or byte range) holds, or None for any other comment."""
    data = fctx.file.data
    start, end = (node.start_byte, node.end_byte) if isinstance(node, Node) else node
    if not _START.match(data, start):
        return None
    if data[end - 1 : end] == b"\r":
        end -= 1
    text = data[start:end].decode("utf-8", errors="replace")
    source = fctx.file
    line = source.line_of(start)
    standalone = not data[source.line_start(line) : start].strip()

    def offset(index: int) -> int:
        return start + len(text[:index].encode("utf-8"))

    names = {name: code for code, name in known.items()}
    if ours := _OURS.match(text):
        directive, rest = ours.group(1), ours.group(2)
        kind = directive if directive in DIRECTIVES else "bad-directive"
        found = Suppression(kind, start, end, line, standalone, None, directive=directive)
        listed = _LIST.match(rest) if kind != "bad-directive" else None
        base = ours.start(2)
        reason = rest
        if listed:
            reason = rest[listed.end() :]
            for item in _ENTRY.finditer(listed.group(1)):
                at = base + listed.start(1) + item.start()
                found.entries.append(
                    _entry(item.group(0), offset(at), offset(at + len(item.group(0))), True, known, names)
                )
    elif nolint := _NOLINT.match(text):
        found = Suppression("nolint", start, end, line, standalone, None)
        reason = nolint.group(2)
        position = nolint.start(1)
        for word in nolint.group(1).split(","):
            if word:
                shaped = bool(_CODE.fullmatch(word)) or word.lower() in names or word.lower() == ALL_OF_US
                found.entries.append(
                    _entry(word, offset(position), offset(position + len(word)), shaped, known, names, nolint=True)
                )
            position += len(word) + 1
        if not found.ours:
            return None  # another linter's nolint: not ours to judge
    else:
        return None
    found.reason = _REASON_LEAD.sub("", reason, count=1).strip()
    if not found.whole_file:
        found.target = line if not standalone else _next_code_line(fctx, line)
    return found


def _entry(
    text: str,
    start: int,
    end: int,
    ours: bool,
    known: dict[str, str],
    names: dict[str, str],
    nolint: bool = False,
) -> Entry:
    if not ours:
        return Entry(text, start, end, None, False)
    upper, lower = text.upper(), text.lower()
    if nolint and lower == ALL_OF_US:
        return Entry(text, start, end, None, True, everything=True)
    if upper in known:
        return Entry(text, start, end, upper, True)
    return Entry(text, start, end, names.get(lower), True)


def _next_code_line(fctx: FileContext, line: int) -> int | None:
    """The line after ``line``, skipping lines that hold only a ``//`` comment."""
    source = fctx.file
    target = line + 1
    while target <= source.line_count:
        stripped = source.line_bytes(target).lstrip()
        if not stripped.startswith(b"//"):
            return target
        target += 1
    return None


def closest(token: str, known: dict[str, str]) -> str | None:
    """The catalog code or name a mistyped entry most likely meant, for the message."""
    if _CODE.fullmatch(token):
        wanted = token.upper()
        best = min(known, key=lambda code: (_distance(wanted, code), sorted(wanted) != sorted(code), code))
        return f"{best} ({known[best]})" if _distance(wanted, best) <= 2 else None
    names = {name: code for code, name in known.items()}
    lowered = {code.lower(): code for code in known}
    import difflib  # only for an unknown code

    match = difflib.get_close_matches(token.lower(), [*names, *lowered], n=1, cutoff=0.6)
    if not match:
        return None
    hit = match[0]
    if hit in names:
        return f"{hit} ({names[hit]})"
    return f"{lowered[hit]} ({known[lowered[hit]]})"


def _distance(a: str, b: str) -> int:
    """Optimal string alignment distance (edits with adjacent transpositions)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


class SuppressionScanner(Rule):
    """Collects suppression comments during the engine's shared walk (not a user rule)."""

    code = UNUSED
    name = "suppression-comments"
    severity = Severity.WARNING
    node_types = ("comment",)

    def __init__(self, known: dict[str, str]) -> None:
        self.known = known
        self.found: dict[int, list[Suppression]] = {}

    def node_types_for(self, ctx: FileContext) -> tuple[str, ...]:
        """Comments only in files that have a directive at all (a byte search)."""
        data = ctx.file.data
        return self.node_types if b"nolint:" in data or b"wasm-go-lint:" in data else ()

    def check(self, node: Node, ctx: FileContext) -> None:
        if not _START.match(ctx.file.data, node.start_byte):
            return
        parsed = parse_comment(ctx, node, self.known)
        if parsed is not None:
            self.found.setdefault(id(ctx), []).append(parsed)


@dataclass
class _Outcome:
    kept: list[Diagnostic]
    suppressed: int


class Suppressions:
    """The engine's suppression pass for one ``Linter``."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.known = known_rules(rules)
        self.scanner = SuppressionScanner(self.known)
        self.reporters = {rule.code: rule for rule in rules if rule.code in META}

    def comments(self, fctx: FileContext, walked: bool) -> list[Suppression]:
        if walked:
            return self.scanner.found.pop(id(fctx), [])
        from linter.model.query import captures

        found: list[Suppression] = []
        for node in captures("(comment) @comment", fctx.root).get("comment", []):
            parsed = parse_comment(fctx, node, self.known)
            if parsed is not None:
                found.append(parsed)
        return found

    def blanked(self, fctx: FileContext, found: list[Suppression]) -> list[Suppression]:
        """Directives inside declarations the parser blanked out for a syntax error.

        linter/parse.py replaces a broken top-level declaration with spaces so the rest
        of the file parses; its comments are then missing from the tree. Only in such a
        file, directive-shaped text that no tree node covers is read as a comment.
        """
        if not fctx.syntax_errors:
            return []
        data = fctx.file.data
        seen = {s.start_byte for s in found}
        extra: list[Suppression] = []
        for match in _START.finditer(data):
            start = match.start()
            if start in seen or fctx.root.descendant_for_byte_range(start, start + 1) != fctx.root:
                continue
            end = data.find(b"\n", start)
            parsed = parse_comment(fctx, (start, len(data) if end == -1 else end), self.known)
            if parsed is not None:
                extra.append(parsed)
        return extra

    def apply(
        self,
        fctx: FileContext,
        ran: Collection[str],
        walked: bool,
        ignored: Collection[str] = (),
        report: bool = True,
    ) -> int:
        """Filter ``fctx.diagnostics`` in place; returns how many were suppressed.

        ``ran``: codes of the rules that ran on this file (WG900 only judges those);
        ``ignored``: codes disabled for this file by configuration (dropped, and treated
        as not run); ``walked``: whether the shared walk collected this file's comments;
        ``report``: whether WG900-WG902 may be reported here.
        """
        diagnostics = fctx.diagnostics
        if ignored:
            diagnostics = [d for d in diagnostics if d.code not in ignored or d.extra.get("internal_error")]
        reporters = {code: rule for code, rule in self.reporters.items() if report and code not in ignored}
        if not diagnostics and not reporters:
            self.scanner.found.pop(id(fctx), None)
            fctx.diagnostics = diagnostics
            return 0
        found = self.comments(fctx, walked)
        found += self.blanked(fctx, found)
        if not found:
            fctx.diagnostics = diagnostics
            return 0
        broken = {d.code for d in diagnostics if d.extra.get("internal_error")}
        judged = set(ran) - set(ignored) - broken
        by_line: dict[int, list[Suppression]] = {}
        for suppression in found:
            if suppression.target is not None:
                by_line.setdefault(suppression.target, []).append(suppression)
        whole = [s for s in found if s.whole_file]

        outcome = _Outcome([], 0)
        for d in diagnostics:
            if d.extra.get("internal_error") or not _suppress(d, [*by_line.get(d.line, ()), *whole]):
                outcome.kept.append(d)
            else:
                outcome.suppressed += 1

        fctx.diagnostics = []
        if NO_REASON in reporters or UNKNOWN in reporters:
            for suppression in found:
                self._check_comment(fctx, suppression, reporters)
        self._filter_meta(fctx, whole, outcome)
        if UNUSED in reporters:
            for suppression in found:
                self._check_unused(fctx, suppression, reporters[UNUSED], judged)
        self._filter_meta(fctx, whole, outcome)
        fctx.diagnostics = outcome.kept
        return outcome.suppressed

    @staticmethod
    def _filter_meta(fctx: FileContext, whole: list[Suppression], outcome: _Outcome) -> None:
        for d in fctx.diagnostics:
            if _suppress(d, whole):
                outcome.suppressed += 1
            else:
                outcome.kept.append(d)
        fctx.diagnostics = []

    def _check_comment(self, fctx: FileContext, s: Suppression, reporters: dict[str, Rule]) -> None:
        unknown = reporters.get(UNKNOWN)
        if unknown is not None:
            if s.kind == "bad-directive":
                import difflib  # only for a misspelt directive

                choices = difflib.get_close_matches(s.directive, DIRECTIVES, n=1, cutoff=0.5)
                suggestion = f"; did you mean wasm-go-lint:{choices[0]}?" if choices else "; use wasm-go-lint:ignore or wasm-go-lint:file-ignore"
                what = f"'wasm-go-lint:{s.directive}'" if s.directive else "'wasm-go-lint:' without a directive"
                unknown.report(fctx, (s.start_byte, s.end_byte), f"unknown suppression directive {what}: nothing is suppressed{suggestion}")
                return
            if not s.entries:
                unknown.report(
                    fctx,
                    (s.start_byte, s.end_byte),
                    f"suppression names no rule, so nothing is suppressed; list codes or names: {s.syntax()}",
                )
                return
            for entry in s.entries:
                if entry.unknown:
                    guess = closest(entry.text, self.known)
                    hint = f"; did you mean {guess}?" if guess else "; `wasm-go-lint rules` lists the codes and names"
                    unknown.report(
                        fctx,
                        (entry.start_byte, entry.end_byte),
                        f"unknown rule '{entry.text}' in suppression: it suppresses nothing{hint}",
                    )
        no_reason = reporters.get(NO_REASON)
        if no_reason is not None and s.kind != "bad-directive" and s.ours and not s.reason:
            listed = ", ".join(e.text for e in s.ours)
            written = ",".join(e.text for e in s.entries)
            no_reason.report(
                fctx,
                (s.start_byte, s.end_byte),
                f"suppression of {listed} gives no reason, so nobody can tell later whether it still applies; "
                f"add one: {s.syntax(written)}",
            )

    def _check_unused(self, fctx: FileContext, s: Suppression, rule: Rule, judged: set[str]) -> None:
        if s.kind == "bad-directive":
            return
        unused: list[Entry] = []
        for entry in s.ours:
            if entry.used or entry.unknown:
                continue
            if entry.everything or (entry.code in judged and not (s.whole_file and entry.code == UNUSED)):
                unused.append(entry)
        if not unused:
            return
        listed = ", ".join(_label(e, self.known) for e in unused)
        meta = [e for e in unused if e.code in META and not s.whole_file]
        if meta:
            why = (
                f"{', '.join(e.text for e in meta)} findings cannot be suppressed by a line comment "
                "(only by wasm-go-lint:file-ignore or configuration)"
            )
        elif s.whole_file:
            why = "no such finding in this file"
        elif s.target is None:
            why = "there is no code line after it"
        else:
            why = f"no such finding starts on line {s.target}"
        kept = [e for e in s.entries if e not in unused]
        if not kept:
            where = (s.start_byte, s.end_byte)
            fix = Fix("Remove the unused suppression comment", Applicability.SAFE, (_remove_comment(fctx, s),))
        else:
            where = (unused[0].start_byte, unused[-1].end_byte)
            first, last = s.entries[0], s.entries[-1]
            between = fctx.file.data[first.end_byte : s.entries[1].start_byte].decode() if len(s.entries) > 1 else ","
            text = between.join(e.text for e in kept)
            fix = Fix(
                f"Remove {', '.join(e.text for e in unused)} from the suppression",
                Applicability.SAFE,
                (Edit(first.start_byte, last.end_byte, text),),
            )
        rule.report(fctx, where, f"unused suppression of {listed}: {why}; remove it so it cannot hide a future finding", fix)


def _label(entry: Entry, known: dict[str, str]) -> str:
    if entry.everything:
        return "every wasm-go-lint rule"
    if entry.code is None:
        return entry.text
    return f"{entry.code} ({known.get(entry.code, entry.text)})" if entry.text.upper() == entry.code else f"{entry.text} ({entry.code})"


def _suppress(d: Diagnostic, candidates: Iterable[Suppression]) -> bool:
    hit = False
    for s in candidates:
        if d.code in META and not s.whole_file:
            continue
        for entry in s.entries:
            if entry.ours and entry.names(d.code):
                entry.used = True
                hit = True
    return hit


def _remove_comment(fctx: FileContext, s: Suppression) -> Edit:
    """Delete the comment: its whole line when it stands alone, else it and the space before it."""
    data = fctx.file.data
    if s.standalone:
        start = fctx.file.line_start(s.line)
        end = data.find(b"\n", s.end_byte)
        return Edit(start, len(data) if end == -1 else end + 1, "")
    start = s.start_byte
    while start > 0 and data[start - 1 : start] in (b" ", b"\t"):
        start -= 1
    return Edit(start, s.end_byte, "")
