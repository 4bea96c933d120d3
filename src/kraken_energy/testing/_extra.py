"""Fail helpfully when the `testing` extra is not installed.

The fake Kraken needs graphql-core, Starlette (with python-multipart for forms) and uvicorn, which
the client itself does not. Without them,
`import kraken_energy.testing` raises an `ImportError` that names the extra to install.
"""

TESTING_EXTRA_HINT = "pip install 'kraken-energy[testing]'"
"""What to run when one of the fake's libraries is missing."""

try:
    import graphql  # noqa: F401
    import python_multipart  # noqa: F401
    import starlette  # noqa: F401
    import uvicorn  # noqa: F401
except ImportError as exc:
    raise ImportError(
        f"kraken_energy.testing needs {exc.name}, which comes with the testing extra: "
        f"{TESTING_EXTRA_HINT}",
        name=exc.name,
    ) from exc
