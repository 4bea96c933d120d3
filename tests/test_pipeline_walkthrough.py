"""The pipeline's walk-through names only functions and methods that exist."""

import importlib
import re

import kraken_energy._pipeline as pipeline

DOTTED = re.compile(r"`(_?[A-Za-z]\w*(?:\.\w+)+)`")


def resolve(path: str) -> object:
    """Resolve `module.name...` inside kraken_energy, or `Name.attribute` of the pipeline's."""
    first, *rest = path.split(".")
    if first.startswith("_"):
        target: object = importlib.import_module(f"kraken_energy.{first}")
    elif hasattr(pipeline, first):
        target = getattr(pipeline, first)
    else:
        target = getattr(importlib.import_module("kraken_energy"), first)
    for name in rest:
        target = getattr(target, name)
    return target


def test_every_dotted_name_of_the_walk_through_resolves() -> None:
    """Each `module.function` or `Class.method` the docstring names is found where it says."""
    names = DOTTED.findall(pipeline.__doc__ or "")
    assert "_pager.follow" in names and "Pipeline.call" in names  # the walk is still described
    missing = [name for name in names if not _resolves(name)]
    assert missing == []


def _resolves(path: str) -> bool:
    try:
        resolve(path)
    except (AttributeError, ModuleNotFoundError):
        return False
    return True
