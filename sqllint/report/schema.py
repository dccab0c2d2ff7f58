"""The catalog as text and JSON: what sqllint believes the schema is."""

from __future__ import annotations

from typing import Any

from sqllint.catalog.model import Catalog, Index


def _index_dict(index: Index) -> dict[str, Any]:
    return {
        "name": index.name,
        "keys": [k.text for k in index.keys],
        "unique": index.unique,
        "primary": index.primary,
        "constraint": index.constraint,
        "method": index.method,
        "predicate": index.predicate,
        "include": list(index.include),
        "defined_at": f"{index.origin.path}:{index.origin.line}" if index.origin.path else None,
    }


def schema_json(catalog: Catalog) -> dict[str, Any]:
    tables = []
    for key in sorted(catalog.tables):
        t = catalog.tables[key]
        tables.append({
            "schema": t.schema,
            "name": t.name,
            "kind": t.kind,
            "columns": [{"name": c.name, "type": c.type, "not_null": c.not_null,
                         "default": c.default} for c in t.columns],
            "indexes": [_index_dict(i) for i in catalog.indexes_on(t.qualified)],
            "foreign_keys": [{"name": f.name, "columns": list(f.columns),
                              "references": f.ref_table, "ref_columns": list(f.ref_columns),
                              "not_valid": f.not_valid} for f in t.foreign_keys],
            "partition_by": t.partition_by,
            "partition_of": t.partition_of,
            "defined_at": f"{t.origin.path}:{t.origin.line}" if t.origin.path else None,
        })
    return {"tables": tables, "extensions": sorted(catalog.extensions),
            "schemas": sorted(catalog.schemas)}


def schema_text(catalog: Catalog) -> str:
    out: list[str] = []
    for key in sorted(catalog.tables):
        t = catalog.tables[key]
        extra = ""
        if t.partition_by:
            extra = f" PARTITION BY {t.partition_by}"
        if t.partition_of:
            extra = f" PARTITION OF {t.partition_of}"
        out.append(f"{t.kind} {t.qualified}{extra}  ({t.origin.path}:{t.origin.line})")
        for c in t.columns:
            flags = " NOT NULL" if c.not_null else ""
            default = f" DEFAULT {c.default}" if c.default else ""
            out.append(f"    {c.name} {c.type}{flags}{default}")
        for i in catalog.indexes_on(t.qualified):
            kind = "PRIMARY KEY" if i.primary else ("UNIQUE" if i.unique else "INDEX")
            where = f" WHERE {i.predicate}" if i.predicate else ""
            include = f" INCLUDE ({', '.join(i.include)})" if i.include else ""
            out.append(f"    {kind} {i.name} USING {i.method} "
                       f"({', '.join(k.text for k in i.keys)}){include}{where}")
        for f in t.foreign_keys:
            out.append(f"    FOREIGN KEY {f.name} ({', '.join(f.columns)}) REFERENCES "
                       f"{f.ref_table} ({', '.join(f.ref_columns)})")
        out.append("")
    if catalog.extensions:
        out.append("extensions: " + ", ".join(sorted(catalog.extensions)))
    return "\n".join(out) + ("\n" if out else "")
