"""ariadne-codegen plugins that make `generated/kraken_energy_gql` what this project needs.

Each plugin uses only the hooks of `ariadne_codegen.plugins.base.Plugin`; none rewrites files
after generation. pyproject.toml's `[tool.ariadne-codegen] plugins` lists them in the order they
run, with the reason for each:

- `HeaderPlugin`: every file says it is generated and how to regenerate it; the copied base
  client becomes a re-export of `kraken_energy._codegen_runtime`; `py.typed` and the schema
  the package was generated from are written beside the modules.
- `OpenEnumsPlugin`: enums derive from `OpenEnum`, so a value the schema did not know is kept.
- `TolerantUnionsPlugin`: a `__typename` union tries its known members by tag, then a fallback
  member that takes any other `__typename` (synthesised from the fields every member shares
  when the selection has none), so a member the schema did not know validates and is kept.
- `ClassNamesPlugin`: a class name longer than `[tool.kraken-codegen] max-class-name` fails
  generation, naming the class and the fix (a named fragment in `queries/`).
- `ClientMethodsPlugin`: each operation becomes an `Operation` constant (name, kind, text,
  argument names, lazily imported types) plus its text as `<NAME>_OPERATION`, and its method
  takes typed `retry=`, `timeout=` and `deadline=` options and hands all of it to
  `run_operation`.
- `PackageInitPlugin`: the lazy package `__init__` is typed, exports the synthesised classes,
  and imports nothing more, so `kraken_energy_gql.enums` loads without httpx or pydantic.
- `RecordsPlugin`: `records.py`, the models' shapes as wire `TypedDict`s, flat fragments as
  frozen records, and `[tool.kraken-codegen.flat-records]` (a `__typename` union field as one
  record, e.g. `Measurement`).

One module per concern: `files` (headers, base client, enums, package init), `unions`, `names`,
`client`, `records`; `_common` holds the names and AST helpers they share.

Where a hook hands over text rather than an AST, the plugin replaces, never edits, that text:
ariadne-codegen copies `base_client_file_path` (the hand-written runtime module) verbatim and
offers no hook that builds the base-client module, so `HeaderPlugin.copy_code`, the documented
hook for copied files, returns a two-line re-export module in its place.

ariadne-codegen names classes after their path from the nearest operation or named fragment
(`Edge` + `node` + `IntervalMeasurementType`); the names are therefore chosen in `queries/`.
"""

from ._common import CodegenError
from .client import ClientMethodsPlugin
from .files import HeaderPlugin, OpenEnumsPlugin, PackageInitPlugin
from .names import ClassNamesPlugin
from .records import RecordsPlugin
from .unions import TolerantUnionsPlugin

__all__ = [
    "ClassNamesPlugin",
    "ClientMethodsPlugin",
    "CodegenError",
    "HeaderPlugin",
    "OpenEnumsPlugin",
    "PackageInitPlugin",
    "RecordsPlugin",
    "TolerantUnionsPlugin",
]
