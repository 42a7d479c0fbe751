"""A dataset's tables as the engines see them: each table and column by the name people
know and by the identifier code uses, with what the profile knows of its values."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from insight_dash.services.naming import sql_identifiers


@dataclass(eq=False)
class Column:
    name: str  # as people know it
    kind: str  # number, text, datetime, boolean, other
    values: list[str] = field(default_factory=list)  # category values the profile saw
    sql: str = ""  # the identifier code uses (filled in by its table)
    nulls: int = 0
    integer: bool = False
    minimum: Any = None
    maximum: Any = None
    distinct: int | None = None

    @property
    def renamed(self) -> bool:
        return self.sql != self.name


@dataclass(eq=False)
class Table:
    name: str
    columns: list[Column]
    row_count: int = 0
    sql: str = ""

    def __post_init__(self) -> None:
        self.sql = self.sql or sql_identifiers([self.name], "table")[0]
        for column, identifier in zip(self.columns, sql_identifiers([c.name for c in self.columns], "column")):
            column.sql = column.sql or identifier

    def column(self, sql: str) -> Column | None:
        return next((column for column in self.columns if column.sql == sql), None)


@dataclass
class Catalogue:
    tables: list[Table]

    def people_names(self) -> dict[str, str]:
        """Identifier -> the name people know, for every table and column renamed for code."""
        names: dict[str, str] = {}
        for table in self.tables:
            names.setdefault(table.sql, table.name)
            for column in table.columns:
                names.setdefault(column.sql, column.name)
        return {sql: name for sql, name in names.items() if sql != name}

    def column_names(self) -> set[str]:
        """Every column's identifier and people's name: what an explanation may name."""
        return {name for table in self.tables for column in table.columns for name in (column.sql, column.name)}


def catalogue_from_metadata(tables: list[dict[str, Any]]) -> Catalogue:
    """The catalogue of a dataset's stored table profiles (its `meta["tables"]`)."""
    sql_names = sql_identifiers([table["name"] for table in tables], "table")
    return Catalogue([Table(name=table["name"], sql=sql, row_count=table.get("row_count", 0),
                            columns=[_column(profile) for profile in table["columns"]])
                      for table, sql in zip(tables, sql_names)])


def _column(profile: dict[str, Any]) -> Column:
    values = [str(v["value"]) for v in profile.get("top_values", [])] + [str(v) for v in profile.get("values", [])]
    if profile["kind"] == "text" and "values" not in profile:
        values += [str(v) for v in profile.get("sample_values", [])]  # profiled before all values were kept
    return Column(name=profile["name"], kind=profile["kind"], values=list(dict.fromkeys(values)),
                  nulls=profile.get("null_count", 0), integer="int" in profile.get("dtype", ""),
                  minimum=profile.get("min"), maximum=profile.get("max"), distinct=profile.get("distinct_count"))
