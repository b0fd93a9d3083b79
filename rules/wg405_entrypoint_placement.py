from __future__ import annotations

from collections.abc import Iterator

from tree_sitter import Node

from linter.diagnostics import Severity
from linter.model.calls import call_parts
from linter.model.functions import FUNCTION_NODE_TYPES
from linter.model.plugin import RAW_ENTRY_POINTS, REGISTRATION_FUNCTIONS, EntryCall
from linter.model.sdk import NEW_WRAPPER, OLD_WRAPPER, PROXYWASM, Generation
from linter.rule import FileContext, PackageContext, Rule

_ENTRY_FUNCTIONS = (REGISTRATION_FUNCTIONS - {"NewCommonVmCtx", "NewCommonVmCtxWithOptions"}) | RAW_ENTRY_POINTS | {
    "SetTcpContext"
}
"""Calls that install the VM context. ``NewCommonVmCtx`` only builds one (it registers
when handed to ``proxywasm.SetVMContext``, which counts)."""
_MAX_HELPER_DEPTH = 4


class EntrypointPlacement(Rule):
    """## What it does
    Checks where the plugin registers with the host: `SetCtx`/`SetCtxWithOptions`
    (or `proxywasm.SetVMContext`, and the Go 1.24 `SetPluginContext`/`SetHttpContext`)
    inside `main()` with the Go 1.24 SDK (`github.com/higress-group/wasm-go`), or
    inside `init()` with the TinyGo SDK (`github.com/alibaba/higress/plugins/wasm-go`);
    more than one entry-point call in the package; and `proxywasm` host calls other
    than registration and logging made during VM start (in `init()` or a helper it
    calls). Raw-SDK packages give no toolchain away, so only the last two checks
    apply to them.

    ## Why is this bad?
    A Go 1.24 (`wasip1`, `c-shared`) module never runs `main`: registering there
    means the plugin never registers, the VM context stays nil and the first
    request fails. TinyGo builds are started through `main`, which is where the
    TinyGo-era SDK expects registration. Each registration replaces the VM context
    of the previous one, so with two entry points one plugin silently never runs.
    While the VM starts, the host allows only logging (plus clock, random and
    environment): property reads, shared data, callouts or Redis initialisation
    made from `init()` fail.

    ## Example
    ```go
    // github.com/higress-group/wasm-go (Go 1.24)
    func main() {
        wrapper.SetCtx("my-plugin", wrapper.ParseConfig(parseConfig))
    }
    ```

    ## Use instead
    ```go
    func main() {}

    func init() {
        wrapper.SetCtx("my-plugin", wrapper.ParseConfig(parseConfig))
    }
    ```
    """

    code = "WG405"
    name = "entrypoint-placement"
    severity = Severity.ERROR
    tags = ("runtime", "correctness")
    precision = "very-high"

    def check_package(self, pkg: PackageContext) -> None:
        entries = [e for e in pkg.plugin.entry_calls if e.function in _ENTRY_FUNCTIONS]
        for entry in entries:
            self._placement(entry, pkg.generation)
        # Registrations inside other functions (a shared Register helper, the SDK's own
        # SetCtx) are definitions, not entry points of this module.
        self._duplicates([e for e in entries if _directly_in(e.node, e.file) in ("init", "main")])
        for fctx in pkg.files:
            for decl in fctx.root.children:
                if decl.type == "function_declaration" and _name(decl, fctx) == "init":
                    self._init_host_calls(decl, fctx, pkg)

    def _placement(self, entry: EntryCall, generation: Generation) -> None:
        where = _directly_in(entry.node, entry.file)
        call = _callee_text(entry)
        generation = _sdk_of(entry) or generation
        if where == "main" and generation is Generation.NEW_WRAPPER:
            self.report(
                entry.file,
                _head(entry.node),
                f"`{call}` is called in main(), but with the Go 1.24 SDK ({NEW_WRAPPER}) main is never "
                "called: the plugin never registers, the VM context stays nil and requests fail; register in "
                "func init() and keep an empty func main() {}",
            )
        elif where == "init" and generation is Generation.OLD_WRAPPER:
            self.report(
                entry.file,
                _head(entry.node),
                f"`{call}` is called in init(), but this plugin uses the TinyGo SDK ({OLD_WRAPPER}), whose "
                "VM is started through main(): register in func main() as the TinyGo layout requires (the "
                "init() layout with an empty main is for the Go 1.24 SDK github.com/higress-group/wasm-go)",
            )

    def _duplicates(self, entries: list[EntryCall]) -> None:
        kept: list[EntryCall] = []
        for entry in entries:
            first = next((k for k in kept if not _exclusive(k, entry)), None)
            if first is None:
                kept.append(entry)
                continue
            line = first.node.start_point.row + 1
            place = "" if first.file is entry.file else f" of {first.file.path}"
            self.report(
                entry.file,
                _head(entry.node),
                f"a second entry point: `{_callee_text(entry)}` registers again after `{_callee_text(first)}` "
                f"on line {line}{place}; each registration replaces the VM context of the previous one, so the "
                "handlers registered first never run; register exactly one plugin per module",
            )

    def _init_host_calls(self, init: Node, fctx: FileContext, pkg: PackageContext) -> None:
        for call, file, via in _calls_at_start(init, fctx, pkg):
            parts = call_parts(call)
            if parts is None:
                continue
            callee, _ = parts
            name = callee.name
            if name.startswith("Log") or name in _ENTRY_FUNCTIONS:
                continue
            if not file.refers_to(callee.node, PROXYWASM, name):
                continue
            route = "in init()" if via is None else f"in {via}, called from init()"
            self.report(
                file,
                call,
                f"`{file.text(callee.node)}` is a host call made during VM start ({route}): the host allows only "
                "logging while the VM starts, so the call fails; move it to the parse function (plugin start), a "
                "tick function or a handler",
            )


def _sdk_of(entry: EntryCall) -> Generation | None:
    """The wrapper generation a ``SetCtx`` call comes from (a package may import pieces of both)."""
    parts = call_parts(entry.node)
    if parts is None or entry.function not in REGISTRATION_FUNCTIONS:
        return None
    callee, _ = parts
    if entry.file.refers_to(callee.node, {NEW_WRAPPER}, callee.name):
        return Generation.NEW_WRAPPER
    if entry.file.refers_to(callee.node, {OLD_WRAPPER}, callee.name):
        return Generation.OLD_WRAPPER
    return None


def _calls_at_start(
    init: Node, fctx: FileContext, pkg: PackageContext
) -> Iterator[tuple[Node, FileContext, str | None]]:
    """Calls that run while ``init`` runs: its own, and those of package functions it
    calls (not func literals, which are handed to the host and run later)."""
    seen: set[int] = {init.id}
    work: list[tuple[Node, FileContext, str | None, int]] = [(init, fctx, None, 0)]
    while work:
        function, file, via, depth = work.pop()
        body = function.child_by_field_name("body")
        if body is None:
            continue
        for call in file.within(body, "call_expression"):
            if _inside_literal(call, function):
                continue
            yield call, file, via
            target = call.child_by_field_name("function")
            if target is None or target.type != "identifier" or depth >= _MAX_HELPER_DEPTH:
                continue
            symbol = pkg.facts.functions.get(file.text(target))
            if symbol is not None and symbol.node.id not in seen:
                seen.add(symbol.node.id)
                work.append((symbol.node, symbol.file, symbol.name, depth + 1))


def _inside_literal(node: Node, function: Node) -> bool:
    current = node.parent
    while current is not None and current.id != function.id:
        if current.type == "func_literal":
            return True
        current = current.parent
    return False


def _directly_in(node: Node, fctx: FileContext) -> str | None:
    """``main``/``init``/... when ``node`` sits in that top-level function (not in a literal)."""
    current = node.parent
    while current is not None and current.type not in FUNCTION_NODE_TYPES:
        current = current.parent
    if current is None or current.type != "function_declaration":
        return None
    return _name(current, fctx)


def _name(decl: Node, fctx: FileContext) -> str | None:
    name = decl.child_by_field_name("name")
    return fctx.text(name) if name is not None else None


def _exclusive(a: EntryCall, b: EntryCall) -> bool:
    """Never both compiled (different build constraints) or never both run (if/else)."""
    if a.file is not b.file:
        ca, cb = _build_constraint(a.file), _build_constraint(b.file)
        return bool(ca and cb and ca != cb)
    node: Node | None = a.node.parent
    while node is not None:
        if node.type == "if_statement":
            consequence = node.child_by_field_name("consequence")
            alternative = node.child_by_field_name("alternative")
            if consequence is not None and alternative is not None:
                a_in = _within(a.node, consequence), _within(a.node, alternative)
                b_in = _within(b.node, consequence), _within(b.node, alternative)
                if (a_in[0] and b_in[1]) or (a_in[1] and b_in[0]):
                    return True
        node = node.parent
    return False


def _within(node: Node, container: Node) -> bool:
    return container.start_byte <= node.start_byte and node.end_byte <= container.end_byte


def _build_constraint(fctx: FileContext) -> str | None:
    for child in fctx.root.children:
        if child.type != "comment":
            return None
        text = fctx.text(child)
        if text.startswith("//go:build"):
            return " ".join(text[len("//go:build") :].split())
    return None


def _head(call: Node) -> Node:
    function = call.child_by_field_name("function")
    return function if function is not None else call


def _callee_text(entry: EntryCall) -> str:
    function = entry.node.child_by_field_name("function")
    text = entry.file.text(function) if function is not None else entry.function
    return text.split("[", 1)[0]
