"""wasm-go-lint: a static analyzer for Go proxy-wasm plugins."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("wasm-go-lint")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"
