from __future__ import annotations

from tree_sitter import Node

from linter.diagnostics import Severity
from linter.model.localtypes import LocalTypes, TypeRef
from linter.rule import FileContext, PackageContext, Rule

_HTTP = "net/http"
_NET = "net"
_EXEC = "os/exec"
_SYSCALLS = frozenset({"syscall", "golang.org/x/sys/unix"})

_NO_SOCKETS = "a proxy-wasm plugin has no sockets (outbound I/O goes only through the host ABI), so it fails at run time"
_USE_WRAPPER_HTTP = (
    "dispatch the call with the wrapper HTTP client (wrapper.NewClusterClient(...).Get/Post) or "
    "proxywasm.DispatchHttpCall and continue in its callback"
)

_MESSAGES = {
    "request": f"`{{ref}}` makes a network request from inside the VM, but {_NO_SOCKETS}; {_USE_WRAPPER_HTTP}",
    "default-client": f"`{{ref}}` sends requests through net/http, but {_NO_SOCKETS}; {_USE_WRAPPER_HTTP}",
    "client": f"`{{ref}}` builds a net/http client whose requests cannot work: {_NO_SOCKETS}; {_USE_WRAPPER_HTTP}",
    "client-call": f"`{{ref}}` sends the request through net/http (*http.Client), but {_NO_SOCKETS}; {_USE_WRAPPER_HTTP}",
    "serve": (
        "`{ref}` opens a listening socket to serve HTTP, but a plugin cannot accept connections: the host "
        "hands it each request through the HTTP handlers"
    ),
    "server": (
        "`{ref}` builds a net/http server, but a plugin cannot accept connections: the host hands it "
        "each request through the HTTP handlers"
    ),
    "dial": (
        f"`{{ref}}` opens a socket, but {_NO_SOCKETS}; talk to Redis with the wrapper Redis client and to "
        "HTTP services with the wrapper HTTP client (or DispatchRedisCall/DispatchHttpCall)"
    ),
    "dialer": (
        f"`{{ref}}` builds a net.Dialer whose connections cannot work: {_NO_SOCKETS}; use the wrapper Redis "
        "or HTTP client (or DispatchRedisCall/DispatchHttpCall)"
    ),
    "listen": "`{ref}` opens a listening socket, but a plugin cannot accept connections in the proxy-wasm sandbox",
    "lookup": (
        f"`{{ref}}` resolves names over the network, but {_NO_SOCKETS}; let Envoy resolve the service "
        "(a DNS or FQDN cluster: wrapper.DnsCluster, wrapper.FQDNCluster)"
    ),
    "exec": (
        "`{ref}` starts a process, but the proxy-wasm sandbox has no process access: it fails at run time "
        "or the module does not build"
    ),
    "file": (
        "`{ref}` accesses the file system, which a proxy-wasm VM does not expose, so it fails at run time; "
        "pass the data in the plugin configuration (read it in the parse function) instead"
    ),
    "syscall": (
        "`{ref}` makes a raw system call, but a proxy-wasm plugin only has the host ABI: it fails at run "
        "time or the module does not build"
    ),
}

_FILE_FUNCS = (
    "Open", "OpenFile", "Create", "CreateTemp", "ReadFile", "WriteFile", "ReadDir", "Remove", "RemoveAll",
    "Rename", "Mkdir", "MkdirAll", "MkdirTemp", "Truncate", "Chmod", "Chown", "Lchown", "Chtimes", "Link",
    "Symlink", "Readlink", "Chdir", "Stat", "Lstat", "DirFS", "StartProcess",
)  # fmt: skip

_MEMBERS: dict[str, dict[str, str]] = {
    _HTTP: {
        **dict.fromkeys(("Get", "Post", "Head", "PostForm"), "request"),
        **dict.fromkeys(("DefaultClient", "DefaultTransport"), "default-client"),
        **dict.fromkeys(("ListenAndServe", "ListenAndServeTLS", "Serve", "ServeTLS"), "serve"),
    },
    _NET: {
        **dict.fromkeys(("Dial", "DialTimeout", "DialTCP", "DialUDP", "DialIP", "DialUnix"), "dial"),
        **dict.fromkeys(
            ("Listen", "ListenPacket", "ListenTCP", "ListenUDP", "ListenIP", "ListenUnix", "ListenUnixgram",
             "ListenMulticastUDP"),
            "listen",
        ),
        **dict.fromkeys(
            ("LookupHost", "LookupIP", "LookupAddr", "LookupCNAME", "LookupMX", "LookupNS", "LookupPort",
             "LookupSRV", "LookupTXT", "DefaultResolver"),
            "lookup",
        ),
    },
    "os": dict.fromkeys(_FILE_FUNCS, "file"),
    "io/ioutil": dict.fromkeys(("ReadFile", "WriteFile", "ReadDir", "TempFile", "TempDir"), "file"),
    _EXEC: dict.fromkeys(("Command", "CommandContext", "LookPath"), "exec"),
}

_TYPES = {
    TypeRef(_HTTP, "Client"): "client",
    TypeRef(_HTTP, "Server"): "server",
    TypeRef(_NET, "Dialer"): "dialer",
}

_METHODS = {
    TypeRef(_HTTP, "Client"): ("client-call", frozenset({"Do", "Get", "Post", "Head", "PostForm"})),
    TypeRef(_NET, "Dialer"): ("dial", frozenset({"Dial", "DialContext"})),
}

_PATHS = frozenset({*_MEMBERS, *_SYSCALLS})
_TYPED_PATHS = frozenset(ref.path for ref in (*_TYPES, *_METHODS))
"""Packages whose types matter: a value of them can only exist where one is imported."""
_METHOD_NAMES = frozenset(name.encode() for _, names in _METHODS.values() for name in names)
_CALL_NAMES = frozenset(
    {b"new", *_METHOD_NAMES, *(member.encode() for members in _MEMBERS.values() for member in members)}
)
"""Calls this rule can report: ``new(http.Client)``, dot-imported members, Client and Dialer methods."""


class UnsupportedStdlib(Rule):
    """## What it does
    Flags outbound I/O that bypasses the host ABI: `net/http` clients (`http.Get`,
    `http.Post`, `http.DefaultClient`, `http.Client{...}` and its `Do`), `net.Dial*`,
    `net.Listen*` and `net.Lookup*`, `os/exec`, file I/O (`os.Open`, `os.ReadFile`,
    `ioutil.ReadFile`, ...) and `syscall` calls.

    ## Why is this bad?
    A proxy-wasm plugin runs in a sandbox with no sockets, processes or files: the
    only way out is the host ABI (HTTP and Redis callouts). These calls fail at run
    time, or the module does not build. Importing `net/http` for `http.Header`, status
    and method constants, `http.StatusText` or `http.CanonicalHeaderKey` is fine, as
    are `net/url`, `net.ParseIP`/`net.ParseCIDR` and `os.Getenv`.

    ## Example
    ```go
    resp, err := http.Get("http://auth.internal/check")
    ```

    ## Use instead
    ```go
    // cfg.Client = wrapper.NewClusterClient(wrapper.FQDNCluster{FQDN: "auth.internal", Port: 80})
    err := cfg.Client.Get("/check", nil, onChecked, 1000)
    ```
    """

    code = "WG403"
    name = "unsupported-stdlib"
    severity = Severity.ERROR
    tags = ("runtime", "correctness")
    precision = "high"
    node_types = ("selector_expression", "call_expression", "composite_literal")
    call_names = _CALL_NAMES

    def __init__(self) -> None:
        self._ctx: FileContext | None = None
        self._pkg: PackageContext | None = None
        self._relevant = False
        """Does any file of the package import one of the packages this rule knows?"""
        self._typed = False
        """Does any file of the package import net/http or net, so that a value can be an
        http.Client or a net.Dialer (a struct field may be declared in another file)?"""
        self._names: frozenset[bytes] = frozenset()
        """This file's local names for the packages this rule knows, as source bytes."""
        self._dotted: list[str] = []
        self._local = False
        """Can this file name a member of such a package (a local name or a dot import)?"""

    def check_file(self, ctx: FileContext) -> None:
        self._start(ctx)

    def _start(self, ctx: FileContext) -> None:
        """Decide once per file which checks can find anything in it."""
        self._ctx = ctx
        pkg = ctx.package
        if pkg is not self._pkg:
            self._pkg = pkg
            self._relevant = pkg.imports_any(_PATHS)
            self._typed = pkg.imports_any(_TYPED_PATHS)
        names = ctx.imports.by_name.items()
        self._names = frozenset(name.encode() for name, path in names if path in _PATHS)
        self._dotted = [p for p in ctx.imports.dot_imports if p in _PATHS]
        self._local = bool(self._names or self._dotted)

    def node_types_for(self, ctx: FileContext) -> tuple[str, ...]:
        """Nothing in a package that imports none of the packages this rule knows;
        selectors and literals only where this file can name one of them."""
        if ctx is not self._ctx:
            self._start(ctx)
        if not self._relevant:
            return ()
        wanted: tuple[str, ...] = ("call_expression",)
        if self._names:
            wanted += ("selector_expression",)
        if self._local:
            wanted += ("composite_literal",)
        return wanted

    def check(self, node: Node, ctx: FileContext) -> None:
        if ctx is not self._ctx:
            self._start(ctx)
        if not self._relevant:
            return
        kind = node.type
        if kind == "selector_expression":
            if self._names and self._names_import(node.child_by_field_name("operand"), ctx):
                self._member(node, ctx)
        elif kind == "call_expression":
            self._call(node, ctx)
        elif kind == "composite_literal":
            if not self._local:
                return  # its type cannot be one of net/http's or net's
            what = self._type_kind(node.child_by_field_name("type"), ctx)
            type_node = node.child_by_field_name("type")
            if what is not None and type_node is not None:
                self._report(ctx, type_node, what, _short(ctx, type_node) + "{...}")

    def _names_import(self, operand: Node | None, ctx: FileContext) -> bool:
        """Is ``operand`` (of a selector) this file's name for a package this rule knows?"""
        return (
            operand is not None
            and operand.type in ("identifier", "package_identifier")
            and ctx.file.data[operand.start_byte : operand.end_byte] in self._names
        )

    def _member(self, node: Node, ctx: FileContext) -> None:
        resolved = ctx.qualified(node)
        if resolved is None:
            return
        path, member = resolved
        if path in _SYSCALLS:
            parent = node.parent
            if parent is not None and parent.type == "call_expression" and parent.child_by_field_name("function") == node:
                self._report(ctx, node, "syscall", _short(ctx, node))
            return
        what = _MEMBERS.get(path, {}).get(member)
        if what is None and path == _EXEC and member[:1].isupper():
            what = "exec"  # any use of os/exec
        if what is not None:
            self._report(ctx, node, what, _short(ctx, node))

    def _call(self, call: Node, ctx: FileContext) -> None:
        function = call.child_by_field_name("function")
        if function is None:
            return
        if function.type == "identifier":
            if not self._local:
                return  # neither new(http.Client) nor a dot-imported member
            if not self._dotted and ctx.file.data[function.start_byte : function.end_byte] != b"new":
                return
            name = ctx.text(function)
            if name == "new" and not ctx.package.declares(name):
                arguments = call.child_by_field_name("arguments")
                first = arguments.named_children[0] if arguments is not None and arguments.named_children else None
                what = self._type_kind(first, ctx)
                if what is not None:
                    self._report(ctx, call, what, _short(ctx, call))
                return
            for path in self._dotted:
                what = _MEMBERS.get(path, {}).get(name)
                if what is not None and ctx.refers_to(function, {path}, name):
                    self._report(ctx, function, what, name)
                    return
            return
        if not self._typed or function.type != "selector_expression":
            return
        member = function.child_by_field_name("field")
        if member is None or ctx.file.data[member.start_byte : member.end_byte] not in _METHOD_NAMES:
            return
        if ctx.qualified(function) is not None:
            return
        method = ctx.text(member)
        operand = function.child_by_field_name("operand")
        local_types = LocalTypes.of(ctx.package)
        found = local_types.type_of(operand, ctx)
        receiver = local_types.method_receiver(found, method, _METHODS, ctx.package)
        if receiver is None:
            return
        if found == receiver and found is not None and found.constructed:
            return  # built on the spot: the construction is the finding
        what, methods = _METHODS[receiver]
        if method in methods:
            self._report(ctx, function, what, _short(ctx, function))

    def _type_kind(self, type_node: Node | None, ctx: FileContext) -> str | None:
        if type_node is None:
            return None
        if type_node.type == "qualified_type":
            package = type_node.child_by_field_name("package")
            member = type_node.child_by_field_name("name")
            if package is None or member is None:
                return None
            path = ctx.imports.path_of(ctx.text(package))
            return _TYPES.get(TypeRef(path, ctx.text(member))) if path is not None else None
        if type_node.type == "type_identifier" and self._dotted:
            name = ctx.text(type_node)
            if ctx.package.declares(name):
                return None
            return next((_TYPES[t] for t in _TYPES if t.name == name and t.path in self._dotted), None)
        return None

    def _report(self, ctx: FileContext, node: Node, what: str, ref: str) -> None:
        self.report(ctx, node, _MESSAGES[what].format(ref=ref))


def _short(ctx: FileContext, node: Node) -> str:
    text = " ".join(ctx.text(node).split())
    return text if len(text) <= 40 else text[:37] + "..."
