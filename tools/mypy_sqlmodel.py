"""A mypy plugin: a SQLModel table's fields, read on the class, are SQLAlchemy columns.

SQLModel declares `code: str = Field(...)`, so mypy types `Project.code` as `str` and every
query built from it (`Project.code == value`, `Project.id.in_(ids)`, `sa.select(Project.code)`)
as wrong. At run time the class attribute is an `InstrumentedAttribute`; this plugin tells mypy
so for the fields of `table=True` classes, read on the class. Reading them on an instance
(`project.code`) keeps the declared type.
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.nodes import MDEF, MypyFile, NameExpr, TypeInfo, Var
from mypy.plugin import AttributeContext, ClassDefContext, Plugin
from mypy.types import Instance, Type

SQLMODEL = "sqlmodel.main.SQLModel"
ATTRIBUTE = "sqlalchemy.orm.attributes.InstrumentedAttribute"


MARK = "sqlmodel_table"  # kept in the TypeInfo's metadata, which mypy's cache keeps too


def _mark_table(ctx: ClassDefContext) -> None:
    table = ctx.cls.keywords.get("table")
    if isinstance(table, NameExpr) and table.fullname == "builtins.True":
        ctx.cls.info.metadata[MARK] = {}


def _is_table(info: TypeInfo) -> bool:
    return MARK in info.metadata


def _is_field(info: TypeInfo, name: str) -> bool:
    node = info.names.get(name)
    return (
        node is not None
        and node.kind == MDEF
        and isinstance(node.node, Var)
        and not node.node.is_classvar
        and not name.startswith("_")
    )


class SQLModelColumns(Plugin):
    def get_base_class_hook(self, fullname: str) -> Callable[[ClassDefContext], None] | None:
        return _mark_table if fullname == SQLMODEL else None

    def get_class_attribute_hook(self, fullname: str) -> Callable[[AttributeContext], Type] | None:
        class_name, _, name = fullname.rpartition(".")
        found = self.lookup_fully_qualified(class_name)
        if found is None or not isinstance(found.node, TypeInfo):
            return None
        info = found.node
        return self._as_column if _is_table(info) and _is_field(info, name) else None

    def _as_column(self, ctx: AttributeContext) -> Type:
        attribute = self.lookup_fully_qualified(ATTRIBUTE)
        assert attribute is not None and isinstance(attribute.node, TypeInfo), "sqlalchemy is a dependency"
        return Instance(attribute.node, [ctx.default_attr_type])

    def get_additional_deps(self, file: MypyFile) -> list[tuple[int, str, int]]:
        return [(10, "sqlalchemy.orm.attributes", -1)]


def plugin(version: str) -> type[Plugin]:
    return SQLModelColumns
