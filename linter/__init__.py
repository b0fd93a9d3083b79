"""wasm-go-lint: a static analyzer for Go proxy-wasm plugins."""

__version__: str
"""The installed distribution's version, looked up on first use: importing
importlib.metadata costs about 40 ms, a quarter of a one-file run (pre-commit)."""


def __getattr__(name: str) -> str:
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("wasm-go-lint")
    except PackageNotFoundError:  # running from a source tree that is not installed
        found = "0.0.0+unknown"
    globals()["__version__"] = found
    return found
