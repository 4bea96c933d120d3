"""Paths the tests share: the project root and the facts-only reference schemas it commits."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "scripts") not in sys.path:
    sys.path.insert(0, str(ROOT / "scripts"))

# Facts-only copies made by `kraken_tools.py reference-schemas`: present in every clone.
REFERENCE_SCHEMAS = ROOT / "reference" / "schemas"
GB_NOVEMBER = REFERENCE_SCHEMAS / "octopus-gb-2024-11-28.graphql"


def reference_schema(path: Path) -> Path:
    """Return `path`, failing with the fix when the committed copy is missing."""
    fix = "python scripts/kraken_tools.py reference-schemas"
    assert path.exists(), f"{path} is missing; run: {fix}"
    return path
