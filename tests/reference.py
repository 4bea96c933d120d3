"""Paths the tests share: the project root and the reference schemas beside the checkout."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "scripts") not in sys.path:
    sys.path.insert(0, str(ROOT / "scripts"))

REFERENCE_SCHEMAS = ROOT.parent / "shared" / "kraken" / "schemas"
GB_NOVEMBER = REFERENCE_SCHEMAS / "octopus-gb-2024-11-28.graphql"


def reference_schema(path: Path) -> Path:
    """Return `path`, or skip the test when the shared reference schemas are not beside the repo."""
    if not path.exists():
        pytest.skip(f"reference schema {path.name} not found (../shared/kraken/schemas is absent)")
    return path
