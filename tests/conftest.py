"""Test set-up shared by the whole suite: scripts/ importable, retries without waiting, and
each schema parsed once per run."""

import hashlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

pytest_plugins = ["pytester"]  # runs the README's recipes as pytest sessions of their own


@pytest.fixture(scope="session", autouse=True)
def _each_schema_parsed_once() -> Iterator[None]:
    """Every loader in scripts/ builds schemas with `schema_from_text`; for the run, it keeps
    what it built by text. A 1,400-type reference schema costs about a second a parse, and a
    dozen tests and checks read the same three. Failures are not kept: they raise each time."""
    import schema_tools

    parse = schema_tools.schema_from_text
    built: dict[bytes, object] = {}

    def parse_once(text: str, origin: str):
        key = hashlib.sha256(text.encode()).digest()
        if key not in built:
            built[key] = parse(text, origin)
        return built[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(schema_tools, "schema_from_text", parse_once)
        yield


@pytest.fixture(scope="session", autouse=True)
def _one_default_tls_context() -> Iterator[None]:
    """Every `httpx` client builds a TLS context with certifi's bundle, about 20 ms each, and the
    suite makes a few hundred clients (mostly never connecting over TLS). For the run, clients
    asking for the default context share one; any other `verify` or `cert` is built as asked."""
    from httpx._transports import default

    build = default.create_ssl_context
    shared: dict[tuple[bool, str | None, str | None], object] = {}

    def default_once(verify=True, cert=None, trust_env=True):
        if verify is not True or cert is not None:
            return build(verify=verify, cert=cert, trust_env=trust_env)
        key = (trust_env, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
        if key not in shared:
            shared[key] = build(verify=verify, cert=cert, trust_env=trust_env)
        return shared[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(default, "create_ssl_context", default_once)
        yield


@pytest.fixture(autouse=True)
def _no_retry_waits() -> Iterator[None]:
    """Retries keep their rules and attempts in tests, but never sleep."""
    import kraken_energy

    kraken_energy.set_retry_testing(True)
    yield
    kraken_energy.set_retry_testing(False)
