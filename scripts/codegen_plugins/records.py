"""`records.py`: wire TypedDicts and immutable records from the same fragments as the models."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, cast

from ariadne_codegen.plugins.base import Plugin
from graphql import (
    ExecutableDefinitionNode,
    FragmentDefinitionNode,
    GraphQLSchema,
)

from ._common import (
    HEADER,
    TYPENAME,
    CodegenError,
    _call,
    _class_name,
    _literal_values,
    _snake,
    _tool_config,
    _typename_field,
)


class RecordsPlugin(Plugin):
    """`records.py`: the models' shapes as wire `TypedDict`s and immutable records.

    Generated from the same classes as the models (after the other plugins shaped them), so a
    fast path that reads pages without building models has no hand-written copy of a shape:

    - `<Class>Data` for every model class: the JSON object as sent (keys are the GraphQL response
      names, `__typename` included), for pydantic to validate straight from bytes in Rust;
    - `<Fragment>Record` for every named fragment whose fields are all scalars, enums or other
      such fragments: a frozen, hashable named tuple with the model's attribute names, and
      `<fragment>_record(data)` building one from its `Data`.
    """

    def __init__(self, schema: GraphQLSchema, config_dict: dict[str, Any]) -> None:
        super().__init__(schema, config_dict)
        self.classes: dict[str, ast.ClassDef] = {}
        self.aliases: dict[str, str] = {}
        self.imports: list[ast.stmt] = []
        self.fragments: set[str] = set()
        self.flat: dict[str, dict[str, Any]] = (
            _tool_config(config_dict).get("kraken-codegen", {}).get("flat-records", {})
        )
        self.runtime: set[str] = set()  # names records.py imports from RECORD_RUNTIME
        self.typing_extensions: set[str] = {"TypedDict"}  # and from typing_extensions
        # Fragment -> response keys a flat record defers (`deferred`): its `<Class>SkimData`
        # leave them out, so a page's first validation skips them without building them.
        self.skipped: dict[str, set[str]] = {}

    def generate_fragments_module(
        self, module: ast.Module, fragments_definitions: dict[str, FragmentDefinitionNode]
    ) -> ast.Module:
        self.fragments = set(fragments_definitions)
        self._collect(module)
        return module

    def generate_result_types_module(
        self, module: ast.Module, operation_definition: ExecutableDefinitionNode
    ) -> ast.Module:
        self._collect(module)
        return module

    def _collect(self, module: ast.Module) -> None:
        for stmt in module.body:
            if (isinstance(stmt, ast.ImportFrom) and stmt.level == 0) or (
                isinstance(stmt, ast.ImportFrom) and stmt.module == "enums"
            ):
                self.imports.append(stmt)
            elif isinstance(stmt, ast.ClassDef):
                self.classes[stmt.name] = stmt
            elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Name):
                self.aliases[cast(ast.Name, stmt.targets[0]).id] = stmt.value.id

    def generate_files(self, generated_files: list[str]) -> list[str]:
        from ariadne_codegen.utils import format_code

        settings = _tool_config(self.config_dict)["ariadne-codegen"]
        package = Path(settings["target_package_path"]) / settings["target_package_name"]
        body: list[ast.stmt] = [
            ast.Expr(ast.Constant(_RECORDS_DOC)),
            *self.imports,
            ast.ImportFrom("typing", [ast.alias("NamedTuple"), ast.alias("cast")], 0),
            ast.Assign([ast.Name("_new")], ast.Attribute(ast.Name("tuple"), "__new__"), lineno=0),
        ]
        built = {name: _FlatRecord(self, name, spec) for name, spec in sorted(self.flat.items())}
        skim = self._skimmed()
        for name in self._in_dependency_order():
            body.append(self._typed_dict(name))
        for name in self._in_dependency_order():
            if name in skim:
                body.append(self._typed_dict(name, skim))
        extensions = [ast.alias(name) for name in sorted(self.typing_extensions)]
        body.insert(len(self.imports) + 2, ast.ImportFrom("typing_extensions", extensions, 0))
        for name in sorted(self._recordable()):
            body += self._record(name)
        statements = {name: record.build(skim) for name, record in built.items()}
        imported = sorted({i for record in built.values() for i in record.imports})
        imported += [(RECORD_RUNTIME, name) for name in sorted(self.runtime - {"Sequence"})]
        if "DecimalText" in self.runtime:
            imported.append(("decimal", "Decimal"))
        if "Sequence" in self.runtime:
            imported.append(("collections.abc", "Sequence"))
        at = len(self.imports) + 1  # after the generated imports, before the records
        body[at:at] = [ast.ImportFrom(module, [ast.alias(name)], 0) for module, name in imported]
        emitted: list[str] = []

        def emit(name: str) -> None:  # a record after the records it holds
            if name not in emitted:
                for used in sorted(built[name].uses):
                    emit(used)
                emitted.append(name)
                body.extend(statements[name])

        for name in built:
            emit(name)
        for alias, target in sorted(self.aliases.items()):
            body.append(ast.Assign([ast.Name(f"{alias}Data")], ast.Name(f"{target}Data"), lineno=0))
            if target in skim:
                body.append(
                    ast.Assign(
                        [ast.Name(f"{alias}SkimData")], ast.Name(f"{target}SkimData"), lineno=0
                    )
                )
        code = ast.unparse(ast.fix_missing_locations(ast.Module(body, [])))
        (package / "records.py").write_text(f"{HEADER}\n\n{format_code(code)}", encoding="utf-8")
        return [*generated_files, "records.py"]

    def flat_unions(self) -> dict[frozenset[str], str]:
        """The member classes of each context-free flat record's union -> that record's name."""
        found = {}
        for name, spec in self.flat.items():
            if not spec.get("context"):
                record = _FlatRecord(self, name, spec)
                found[frozenset(record.members)] = name
        return found

    def _fields(self, name: str) -> dict[str, tuple[str, ast.expr]]:
        """Attribute name -> (response key, annotation), inherited fields first."""
        class_def = self.classes[name]
        fields: dict[str, tuple[str, ast.expr]] = {}
        for base in class_def.bases:
            if isinstance(base, ast.Name) and base.id in self.classes:
                fields.update(self._fields(base.id))
        for stmt in class_def.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                key = stmt.target.id
                if isinstance(stmt.value, ast.Call):
                    for keyword in stmt.value.keywords:
                        if keyword.arg == "alias" and isinstance(keyword.value, ast.Constant):
                            key = str(keyword.value.value)
                fields[stmt.target.id] = (key, stmt.annotation)
        return fields

    def _absent(self, name: str) -> set[str]:
        """Response keys of a class that an answer may leave out (`@include`/`@skip` fields).

        ariadne-codegen gives such a field a default (None); every other field has none.
        """
        keys: set[str] = set()
        for base in self.classes[name].bases:
            if isinstance(base, ast.Name) and base.id in self.classes:
                keys |= self._absent(base.id)
        for stmt in self.classes[name].body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                key, default = stmt.target.id, stmt.value
                if isinstance(default, ast.Call):
                    arguments = {k.arg: k.value for k in default.keywords}
                    alias = arguments.get("alias")
                    key = str(alias.value) if isinstance(alias, ast.Constant) else key
                    default = arguments.get("default")
                if default is not None:
                    keys.add(key)
        return keys

    def _item(self, data: str, name: str, key: str) -> str:
        """The expression reading `key` of `name`'s data: `.get` when it may be left out."""
        return f'{data}.get("{key}")' if key in self._absent(name) else f'{data}["{key}"]'

    def _references(self, annotation: ast.expr) -> set[str]:
        names = {
            _class_name(n)
            for n in ast.walk(annotation)
            if isinstance(n, ast.Name | ast.Constant)
            and isinstance(getattr(n, "id", getattr(n, "value", None)), str)
        }
        return {self.aliases.get(n, n) for n in names} & set(self.classes)

    def _in_dependency_order(self) -> list[str]:
        ordered: list[str] = []

        def visit(name: str) -> None:
            if name in ordered:
                return
            for _, annotation in self._fields(name).values():
                for reference in sorted(self._references(annotation)):
                    visit(reference)
            ordered.append(name)

        for name in sorted(self.classes):
            visit(name)
        return ordered

    def _skip(self, name: str) -> set[str]:
        """Response keys a class's `SkimData` leaves out (those its fragment defers)."""
        return self.skipped.get(self._fragment_of(name), set())

    def _skimmed(self) -> set[str]:
        """Classes with a `SkimData`: those deferring a key, and every class holding one."""
        skim = {name for name in self.classes if self._skip(name)}
        grown = True
        while grown:
            grown = False
            for name in sorted(set(self.classes) - skim):
                for _, annotation in self._fields(name).values():
                    if self._references(annotation) & skim:
                        skim.add(name)
                        grown = True
                        break
        return skim

    def _wire(
        self, annotation: ast.expr, suffix: str, skim: set[str] | frozenset[str] = frozenset()
    ) -> ast.expr:
        """The annotation with model classes replaced by their `Data` (or `Record`) names.

        A class in `skim` is named by its `SkimData` instead of its `Data`.
        """
        plugin = self

        class Swap(ast.NodeTransformer):
            def visit_Name(self, node: ast.Name) -> ast.expr:
                name = _class_name(node)
                if name == EXACT_DECIMAL and suffix == "Data":  # kept as text until a record
                    plugin.runtime.add("DecimalText")
                    return ast.Name("DecimalText")
                target = plugin.aliases.get(name, name)
                if target in skim:
                    return ast.Name(f"{target}Skim{suffix}")
                return ast.Name(f"{target}{suffix}") if target in plugin.classes else node

            def visit_Constant(self, node: ast.Constant) -> ast.expr:
                if isinstance(node.value, str):
                    target = plugin.aliases.get(node.value, node.value)
                    if target in skim:
                        return ast.Name(f"{target}Skim{suffix}")
                    if target in plugin.classes:
                        return ast.Name(f"{target}{suffix}")
                    if node.value == TYPENAME:
                        return ast.Constant("__typename")
                return node

        swapped: ast.expr = Swap().visit(ast.parse(ast.unparse(annotation), mode="eval").body)
        return swapped

    def _typed_dict(self, name: str, skim: set[str] | None = None) -> ast.stmt:
        """`<name>Data`, or with `skim` `<name>SkimData`: its deferred keys left out."""
        skipped = self._skip(name) if skim is not None else set()
        fields = {a: f for a, f in self._fields(name).items() if f[0] not in skipped}
        absent = self._absent(name)
        if absent:
            self.typing_extensions.add("NotRequired")
        wired = {
            key: self._wire(annotation, "Data", skim or set())
            for key, annotation in fields.values()
        }
        value = ast.Dict(
            [ast.Constant(key) for key in wired],
            [
                ast.Subscript(ast.Name("NotRequired"), annotation) if key in absent else annotation
                for key, annotation in wired.items()
            ],
        )
        typed = f"{name}SkimData" if skim is not None else f"{name}Data"
        return ast.Assign(
            [ast.Name(typed)], _call("TypedDict", [ast.Constant(typed), value]), lineno=0
        )

    def _recordable(self) -> set[str]:
        """Fragments whose fields hold only scalars, enums and other recordable fragments."""
        chosen = {n for n in self.fragments if n in self.classes}
        changed = True
        while changed:
            changed = False
            for name in sorted(chosen):
                for _, annotation in self._fields(name).values():
                    if (
                        any(
                            self._fragment_of(r) not in chosen for r in self._references(annotation)
                        )
                        or "list" in ast.unparse(annotation)
                        or "Union" in ast.unparse(annotation)
                    ):
                        chosen.discard(name)
                        changed = True
                        break
        return chosen

    def _fragment_of(self, name: str) -> str:
        """A nested class that only spreads one fragment stands for that fragment."""
        class_def = self.classes[name]
        only_pass = all(isinstance(s, ast.Pass) for s in class_def.body)
        if only_pass and len(class_def.bases) == 1 and isinstance(class_def.bases[0], ast.Name):
            return self._fragment_of(class_def.bases[0].id)
        return name

    def _record(self, name: str) -> list[ast.stmt]:
        fields = self._fields(name)
        swapped = {
            attribute: _Renamer(lambda n: self._fragment_of(n) if n in self.classes else n).visit(
                ast.parse(ast.unparse(annotation).replace('"', ""), mode="eval").body
            )
            for attribute, (_, annotation) in fields.items()
        }
        record = ast.ClassDef(
            name=f"{name}Record",
            bases=[ast.Name("NamedTuple")],
            keywords=[],
            body=[
                ast.Expr(ast.Constant(f"`fragment {name}` as an immutable record.")),
                *(
                    ast.AnnAssign(ast.Name(a), self._wire(t, "Record"), None, simple=1)
                    for a, t in swapped.items()
                ),
            ],
            decorator_list=[],
        )
        values: list[ast.expr] = []
        for attribute, (key, _) in fields.items():
            item = ast.parse(self._item("data", name, key), mode="eval").body
            nested = self._references(swapped[attribute])
            if nested:
                inner = self._fragment_of(sorted(nested)[0])
                values.append(
                    ast.IfExp(
                        ast.Compare(
                            ast.NamedExpr(ast.Name("value"), item), [ast.Is()], [ast.Constant(None)]
                        ),
                        ast.Constant(None),
                        _call(f"{_snake(inner)}_record", [ast.Name("value")]),
                    )
                    if "Optional" in ast.unparse(swapped[attribute])
                    else _call(f"{_snake(inner)}_record", [item])
                )
            else:
                converted = _decimal(ast.unparse(item), swapped[attribute])
                values.append(ast.parse(converted, mode="eval").body)
        builder = ast.FunctionDef(
            name=f"{_snake(name)}_record",
            args=ast.arguments(
                [], [ast.arg("data", ast.Name(f"{name}Data"))], None, [], [], None, []
            ),
            body=[
                ast.Expr(
                    ast.Constant(f"Build a `{name}Record` from the data of `fragment {name}`.")
                ),
                ast.Return(_call("_new", [ast.Name(f"{name}Record"), ast.Tuple(values)])),
            ],
            decorator_list=[],
            returns=ast.Name(f"{name}Record"),
        )
        return [record, builder]


_RECORDS_DOC = (
    "The models' shapes without the models: wire TypedDicts and immutable records.\n\n"
    "`<Class>Data` is each model's JSON object as sent, for validating pages straight from bytes;\n"
    "`<Fragment>Record` is a flat fragment as a frozen, hashable named tuple, built from its data\n"
    "by `<fragment>_record`. Both come from the same fragments as the models.\n"
)


RECORD_RUNTIME = "kraken_energy._record_runtime"
"""Where records.py takes `DecimalText` (a wire decimal's checked text) and `Built` from."""

EXACT_DECIMAL = "ExactDecimal"
"""The models' decimal scalar: `DecimalText` in a wire TypedDict, `Decimal(text)` in a record."""


def _as_member(value: str, member: str) -> str:
    """A value expression reading `data` made to read the name `data` was cast to instead."""
    return value.replace("data[", f"{member}[").replace("data.get(", f"{member}.get(")


def _decimal(item: str, annotation: ast.expr) -> str:
    """The expression making a record's field from its wire value (a decimal from its text)."""
    text = ast.unparse(annotation)
    if EXACT_DECIMAL not in text:
        return item
    if text.startswith("Optional"):
        return f"None if (text := {item}) is None else Decimal(text)"
    return f"Decimal({item})"


class _Renamer(ast.NodeTransformer):
    def __init__(self, rename: Any) -> None:
        self.rename = rename

    def visit_Name(self, node: ast.Name) -> ast.Name:
        return ast.Name(self.rename(node.id))


class _FlatRecord:
    """One `[tool.kraken-codegen.flat-records]` entry: a `__typename` union field as one record.

    The record holds, in order: the context fields the caller passes (`context`, e.g. which
    property a page is for: the wire does not say), `typename`, the fields every member has,
    then the fields only some members have (None on the others). A field holding one object
    that only spreads a fragment is inlined (its fields become the record's, None or empty when
    the object is null); a list of a recordable fragment becomes a tuple of its records, nulls
    dropped. So a field added to any of those fragments becomes a field of the record.
    """

    def __init__(self, plugin: RecordsPlugin, name: str, spec: dict[str, Any]) -> None:
        self.plugin, self.name, self.field = plugin, name, str(spec["field"])
        owner, _, response_name = self.field.partition(".")
        annotation = next(
            annotation
            for attribute, (key, annotation) in plugin._fields(owner).items()
            if response_name in (key, attribute)
        )
        # By name after the fallback test: `_references` is a set, its order changes per run.
        self.members = sorted(
            plugin._references(annotation), key=lambda m: (self._is_fallback(m), m)
        )
        # A context type is a builtin (`str`) or `module:Name`, imported by records.py: a value
        # only the hand-written layer can make (e.g. a reading's series, completed from the
        # request where the wire leaves a field out).
        self.context: dict[str, str] = {}
        self.imports: set[tuple[str, str]] = set()
        for field, kind in dict(spec.get("context", {})).items():
            module, _, type_name = str(kind).rpartition(":")
            if module:
                self.imports.add((module, type_name))
            self.context[field] = type_name
        self.recordable = plugin._recordable()
        self.uses: set[str] = set()  # other flat records this one holds
        # Nested flat records the caller builds and passes (one per distinct value, shared by
        # the records that hold it), e.g. a reading's series filters, the same on a whole page.
        self.given: dict[str, str] = dict.fromkeys(spec.get("given", ()), "")
        # List fields of an inlined object that a page's first validation skips (its SkimData
        # leave them out) and the caller passes, read from the page when first needed.
        self.deferred: set[str] = set(spec.get("deferred", ()))
        for member in self.members:
            for _, annotation in plugin._fields(member).values():
                inner = self._single_fragment(annotation)
                for name, (key, _) in plugin._fields(inner).items() if inner else ():
                    if name in self.deferred:
                        plugin.skipped.setdefault(inner or "", set()).add(key)

    def _is_fallback(self, member: str) -> bool:
        return not _literal_values(self._typename(member))

    def _typename(self, member: str) -> ast.expr | None:
        stmt = _typename_field(self.plugin.classes[member])
        return stmt.annotation if stmt else None

    def _columns(self, member: str) -> dict[str, tuple[str, str]]:
        """Record field -> (annotation, value expression); `(name_)` reads an inlined object."""
        columns: dict[str, tuple[str, str]] = {}
        for attribute, (key, annotation) in self.plugin._fields(member).items():
            if attribute == TYPENAME:
                continue
            inner = self._single_fragment(annotation)
            if inner is None:
                item = self.plugin._item("data", member, key)
                columns[attribute] = self._column(item, annotation, attribute)
                continue
            outer = f"{attribute}_"
            columns[f"({outer})"] = ("", self.plugin._item("data", member, key))
            for name, (inner_key, inner_type) in self.plugin._fields(inner).items():
                item = self.plugin._item(outer, inner, inner_key)
                annotation_text, value = self._column(item, inner_type, name)
                if name in self.deferred:  # given by the caller, whatever the object
                    columns[name] = (annotation_text, value)
                elif value.startswith("tuple("):
                    columns[name] = (annotation_text, f"({value}) if {outer} is not None else ()")
                else:
                    optional = (
                        annotation_text
                        if annotation_text.startswith("Optional[")
                        else f"Optional[{annotation_text}]"
                    )
                    columns[name] = (optional, f"({value}) if {outer} is not None else None")
        return columns

    def _single_fragment(self, annotation: ast.expr) -> str | None:
        """The fragment a field's one object only spreads, if so (not a list)."""
        if "list" in ast.unparse(annotation):
            return None
        references = sorted(self.plugin._references(annotation))
        if len(references) != 1:
            return None
        fragment = self.plugin._fragment_of(references[0])
        return fragment if fragment != references[0] else None

    def _column(self, item: str, annotation: ast.expr, attribute: str) -> tuple[str, str]:
        text = ast.unparse(self.plugin._wire(annotation, "Record")).replace('"', "")
        references = sorted(self.plugin._references(annotation))
        if not references:
            return text, _decimal(item, annotation)
        fragment = self.plugin._fragment_of(references[0])
        nested = self.plugin.flat_unions().get(frozenset(references))
        if nested is not None:  # a union with a flat record of its own, e.g. metaData's filters
            self.uses.add(nested)
            record, build = nested, f"{_snake(nested)}_record"
            if attribute in self.given:
                kind = f"Optional[{record}]" if text.startswith("Optional") else record
                self.given[attribute] = kind
                return kind, attribute
        elif len(references) == 1 and fragment in self.recordable:
            record, build = f"{fragment}Record", f"{_snake(fragment)}_record"
        else:
            raise CodegenError(
                f"flat record {self.name}: field {attribute} holds {references}; select it "
                "through a named fragment of scalars, or give its union a flat record of its "
                "own in [tool.kraken-codegen.flat-records] (without context fields)"
            )
        if "list" in text and attribute in self.deferred:
            self.plugin.runtime.add("Sequence")  # the caller makes them (`Deferred`)
            kind = f"Sequence[{record}]"
            self.given[attribute] = kind
            return kind, attribute
        if "list" in text:
            value = f"tuple({build}(x) for x in {item} or () if x is not None)"
            return f"tuple[{record}, ...]", value
        if text.startswith("Optional"):
            return f"Optional[{record}]", f"None if (value := {item}) is None else {build}(value)"
        return record, f"{build}({item})"

    def build(self, skim: set[str]) -> list[ast.stmt]:
        per_member = {member: self._columns(member) for member in self.members}
        shared = [
            c for c in per_member[self.members[-1]] if all(c in m for m in per_member.values())
        ]
        only = [c for m in self.members for c in per_member[m] if c not in shared]
        fields = [f"    {name}: {kind}" for name, kind in self.context.items()]
        fields.append("    typename: str")
        for column in shared:
            if not column.startswith("("):
                fields.append(f"    {column}: {per_member[self.members[-1]][column][0]}")
        specific: dict[str, str] = {}
        for member in self.members:
            for column in only:
                if column in per_member[member] and not column.startswith("("):
                    kind = per_member[member][column][0]
                    specific[column] = (
                        kind if kind.startswith(("Optional", "tuple")) else (f"Optional[{kind}]")
                    )
        fields += [f"    {column}: {kind}" for column, kind in specific.items()]

        def wire(member: str) -> str:  # a member holding a deferred field is read skimmed
            return f"{member}SkimData" if member in skim else f"{member}Data"

        members = ", ".join(wire(member) for member in self.members)
        context = "".join(f"{name}: {kind}, " for name, kind in self.context.items())
        missing = sorted(name for name, kind in self.given.items() if not kind)
        if missing:
            raise CodegenError(f"flat record {self.name}: given {missing} are not flat records")
        given = "".join(f", {name}: {kind}" for name, kind in self.given.items())

        def by_caller(name: str, kind: str) -> str:
            if name in self.deferred:
                return (
                    "read by the caller from the page when first needed (its\n"
                    "    first validation skips it)."
                )
            if kind.startswith("Optional["):
                built = _snake(kind.removeprefix("Optional[")[:-1])
                return (
                    f"built by the caller (`{built}_record`),\n"
                    "    once for all the records that hold the same value."
                )
            return f"built by the caller (`{_snake(kind)}_record`)."

        built_by_caller = "".join(
            f"\n\n    `{name}`: {by_caller(name, kind)}" for name, kind in self.given.items()
        )
        built_by_caller += "\n    " if built_by_caller else ""
        lines = [
            f"class {self.name}(NamedTuple):",
            f'    """`{self.field}`, every member of its union, as one immutable record."""',
            *fields,
            "",
            "",
            f"def {_snake(self.name)}_record("
            f"{context}data: Union[{members}]{given}) -> {self.name}:",
            f'    """Build a `{self.name}` from the data of any member of `{self.field}`.'
            f'{built_by_caller}"""',
        ]
        lines += [
            f"    {c[1:-1]} = {v[1]}"
            for c, v in per_member[self.members[-1]].items()
            if c.startswith("(") and c in shared
        ]
        lines += [f"    {column}: {kind} = None" for column, kind in specific.items()]
        outers = {c for m in self.members for c in per_member[m] if c.startswith("(")}
        branch = "if"
        for number, member in enumerate(self.members):
            names = _literal_values(self._typename(member))
            mine = [c for c in specific if c in per_member[member]]
            if not names or not mine:
                continue
            # One name per member: a name cast to two types would not type-check.
            typed = "member" if number == 0 else f"member_{number}"
            lines.append(f'    {branch} data["__typename"] == "{names[0]}":')
            branch = "elif"
            lines.append(f"        {typed} = cast({wire(member)}, data)")
            lines += [  # an inlined object only this member has
                f"        {c[1:-1]} = {_as_member(per_member[member][c][1], typed)}"
                for c in sorted(outers - set(shared))
                if c in per_member[member]
            ]
            lines += [f"        {c} = {_as_member(per_member[member][c][1], typed)}" for c in mine]
        values = [*self.context, 'data["__typename"]']
        values += [per_member[self.members[-1]][c][1] for c in shared if not c.startswith("(")]
        values += list(specific)
        lines.append(f"    return _new({self.name}, ({', '.join(values)},))")
        return ast.parse("\n".join(lines)).body
