"""Import: what `import kraken_energy` adds beyond httpx and pydantic, against ariadne's default.

Every measurement is a fresh interpreter, so nothing is cached in memory; bytecode caches on disk
are warm (the warm-up runs write them, whatever PYTHONDONTWRITEBYTECODE says in the shell).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Final

from _harness import (
    ARIADNE_PACKAGE,
    Context,
    Result,
    Sample,
    at_most,
    ratio_only,
    unavailable,
)

NAME: Final = "import"
TARGET_MS: Final = 60.0
"""`import kraken_energy` may add at most this many milliseconds to httpx and pydantic."""
TARGET_RATIO: Final = 0.15
"""... and at most this fraction of what ariadne's default client adds."""

# Runs in a fresh interpreter. pydantic imports itself lazily: `BaseModel` is resolved in the
# floor because every pydantic user pays for it, so the increment is the package's own cost.
# kraken_energy's names load on first use too: `KrakenClient` is resolved, as every caller does.
PROBE: Final = """
import json, sys, time
start = time.perf_counter()
import httpx, pydantic
pydantic.BaseModel
floor = time.perf_counter()
if sys.argv[1]:
    module = __import__(sys.argv[1])
    if sys.argv[2]:
        getattr(module, sys.argv[2])
done = time.perf_counter()
print(json.dumps({"floor": floor - start, "increment": done - floor}))
"""

METHOD: Final = f"""
Each measurement is a fresh `python -c` process (the project's virtual environment) that imports
`httpx` and `pydantic` (resolving `pydantic.BaseModel`, which pydantic loads lazily and every
pydantic user pays for), takes `time.perf_counter()`, then imports the package under test and
takes the time again. The **floor** is the time of the first step, measured in the same processes;
the figure for each package is the second step: the milliseconds it adds beyond httpx and
pydantic. Contenders alternate within each run, so drift on the machine hits them alike. Every
package imports from its bytecode cache, as installed packages do: the warm-up runs write the
caches, and `PYTHONDONTWRITEBYTECODE` is cleared for the probes (with it set, both contenders
would be timed compiling their sources).

- **kraken_energy**: the hand-written layer with the generated `kraken_energy_gql` it imports
  (only the input types and enums the operations use; its own dependencies such as tenacity
  count against it). Its public names load on first use (so that the `kraken` command's `--help`
  needs neither httpx nor pydantic), so the probe resolves `kraken_energy.KrakenClient`, as
  every caller does.
- **ariadne default**: the package ariadne-codegen generates with its defaults from the full
  reference GB schema and the same `queries/` (every input type and enum of the schema, the
  default base client), on `PYTHONPATH` from a temporary folder.

Targets: at most {TARGET_MS:g} ms above the floor, and at most {TARGET_RATIO:g} times what ariadne's
default adds.
"""


def _probe(module: str, attribute: str, pythonpath: str | None) -> tuple[float, float]:
    """(floor, increment) in seconds, from one fresh interpreter importing `module`.

    `attribute`, when given, is resolved on the module after the import (a lazy name).
    """
    env = dict(os.environ)
    # As installed packages are: with bytecode caches, which the warm-up runs write. Without
    # this, a shell exporting PYTHONDONTWRITEBYTECODE would time compiling sources instead.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath + os.pathsep + env.get("PYTHONPATH", "")
    completed = subprocess.run(
        [sys.executable, "-c", PROBE, module, attribute],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    figures = json.loads(completed.stdout)
    return float(figures["floor"]), float(figures["increment"])


def run(context: Context) -> list[Result]:
    """Alternate fresh-interpreter imports of each contender; report milliseconds added."""
    folder = context.ariadne_default()
    contenders: dict[str, tuple[str, str, str | None]] = {
        "floor": ("", "", None),
        "ours": ("kraken_energy", "KrakenClient", None),
    }
    if folder is not None:
        contenders["ariadne"] = (ARIADNE_PACKAGE, "Client", str(folder))
    settings = context.settings
    floors: list[float] = []
    increments: dict[str, list[float]] = {name: [] for name in contenders}
    for index in range(settings.warmup + settings.runs):
        for name, (module, attribute, path) in contenders.items():
            floor, increment = _probe(module, attribute, path)
            if index >= settings.warmup:
                floors.append(floor)
                increments[name].append(increment)
    ms = {name: Sample(tuple(v * 1000 for v in values)) for name, values in increments.items()}
    floor_ms = Sample(tuple(v * 1000 for v in floors))
    results = [
        Result(NAME, "floor: import httpx, pydantic", floor_ms, "ms", note=""),
        at_most(NAME, "import kraken_energy, above floor", ms["ours"], "ms", TARGET_MS),
    ]
    if "ariadne" in ms:
        results.append(Result(NAME, "import ariadne default, above floor", ms["ariadne"], "ms"))
        results.append(
            ratio_only(
                NAME,
                "kraken_energy ÷ ariadne default",
                ms["ours"].median / ms["ariadne"].median,
                TARGET_RATIO,
                "ariadne default",
            )
        )
    else:
        results.append(
            unavailable(
                NAME,
                "kraken_energy ÷ ariadne default",
                f"≤ {TARGET_RATIO:g}x ariadne default",
                f"ariadne default skipped: {context.ariadne_error}",
            )
        )
    return results
