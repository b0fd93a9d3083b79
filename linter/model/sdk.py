"""Import paths of the proxy-wasm SDKs and what each says about the plugin."""

from __future__ import annotations

import enum

OLD_WRAPPER_ROOT = "github.com/alibaba/higress/plugins/wasm-go/pkg/"
NEW_WRAPPER_ROOT = "github.com/higress-group/wasm-go/pkg/"
OLD_WRAPPER = OLD_WRAPPER_ROOT + "wrapper"
NEW_WRAPPER = NEW_WRAPPER_ROOT + "wrapper"
WRAPPERS = frozenset({OLD_WRAPPER, NEW_WRAPPER})

RAW_SDK_ROOTS = (
    "github.com/higress-group/proxy-wasm-go-sdk/",
    "github.com/tetratelabs/proxy-wasm-go-sdk/",
    "github.com/proxy-wasm/proxy-wasm-go-sdk/",
)
PROXYWASM = frozenset(root + "proxywasm" for root in RAW_SDK_ROOTS)
TYPES = frozenset(root + "proxywasm/types" for root in RAW_SDK_ROOTS)

SDK_ROOTS = (OLD_WRAPPER_ROOT, NEW_WRAPPER_ROOT, *RAW_SDK_ROOTS)


class Generation(enum.Enum):
    """Which SDK a plugin package is written against."""

    OLD_WRAPPER = "old-wrapper"  # TinyGo, ABI 0.2.0 by default
    NEW_WRAPPER = "new-wrapper"  # Go 1.24 wasip1, ABI 0.2.100
    RAW_SDK = "raw-sdk"  # proxy-wasm-go-sdk only; toolchain decided elsewhere
    NONE = "none"  # not a plugin package


def is_sdk_path(path: str) -> bool:
    return path.startswith(SDK_ROOTS)


def generation_of(paths: set[str]) -> Generation:
    if any(p.startswith(NEW_WRAPPER_ROOT) for p in paths):
        return Generation.NEW_WRAPPER
    if any(p.startswith(OLD_WRAPPER_ROOT) for p in paths):
        return Generation.OLD_WRAPPER
    if any(p.startswith(RAW_SDK_ROOTS) for p in paths):
        return Generation.RAW_SDK
    return Generation.NONE


def is_test_support(paths: set[str]) -> bool:
    """A file of host-side test code (``testing``, the SDK's ``proxytest`` host
    emulator): it never runs in a proxy-wasm VM, so it does not make a package a
    plugin package."""
    return "testing" in paths or any(p.endswith("/proxywasm/proxytest") for p in paths)
