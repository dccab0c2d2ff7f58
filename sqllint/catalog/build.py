"""Applying DDL statements, in order, to build the catalog.

Unknown or unsupported DDL is ignored: the catalog is what the files say, and a
statement we cannot model must not stop the rest from being modelled.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqllint.catalog.model import (
    Catalog,
    Column,
    ForeignKey,
    Index,
    IndexKey,
    Origin,
    Table,
    TableKind,
)
from sqllint.catalog.store import IndexStore, PersistentDict, TableStore
from sqllint.model import Statement
from sqllint.sqltext import (
    canonical,
    deparse_expr_node,
    is_serial,
    names,
    strval,
    type_name,
)

_RELKIND = {"OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"}


def _key(schema: str | None, name: str) -> str:
    return f"{schema or 'public'}.{name}"


def _rangevar(rv: dict[str, Any]) -> tuple[str, str]:
    return rv.get("schemaname") or "public", rv.get("relname", "")


class CatalogBuilder:
    """Mutable state while applying DDL; ``snapshot()`` hands out immutable catalogs."""

    def __init__(self) -> None:
        self.tables = TableStore()
        self.indexes = IndexStore()
        self.extensions: PersistentDict[str, int] = PersistentDict()
        self.schemas: set[str] = {"public"}
        self.ever: PersistentDict[str, bool] = PersistentDict()
        self._snapshot: Catalog | None = None

    def snapshot(self) -> Catalog:
        """The catalog as it stands now; free to take (the maps share structure)."""
        if self._snapshot is None:
            self._snapshot = Catalog(
                tables=self.tables.frozen,
                indexes=self.indexes.frozen,
                extensions=self.extensions.frozen,
                schemas=frozenset(self.schemas),
                ever=self.ever.frozen,
                names=self.tables.by_name,
                grouped=self.indexes.by_table,
            )
        return self._snapshot

    def end_session(self) -> None:
        """A file ran to its end: its temporary tables are gone (each file is a session)."""
        temp = [key for key, table in self.tables.items() if table.schema == "pg_temp"]
        if temp:
            self._snapshot = None
            for key in temp:
                self._drop_table(key)

    # -- applying -----------------------------------------------------------------

    def apply(self, stmt: Statement) -> None:
        """Apply one parsed statement; anything it does not model is ignored."""
        if stmt.node is None:
            return
        kind = stmt.node_type
        handler = getattr(self, f"_on_{kind}", None)
        if handler is None:
            return
        self._snapshot = None
        handler(stmt, stmt.node[kind])

    def _origin(self, stmt: Statement, location: int | None = None) -> Origin:
        loc = stmt.location(location or 0) if location else stmt.location()
        return Origin(stmt.path, loc.line, loc.column, stmt.seq, loc.end_line, loc.end_column)

    def _find(self, schema: str | None, name: str) -> Table | None:
        if schema:
            return self.tables.get(_key(schema, name))
        # A temporary table hides a permanent one of the same name (pg_temp is first
        # on PostgreSQL's search path).
        found = self.tables.get(_key("pg_temp", name)) or self.tables.get(_key("public", name))
        if found is None:
            key = self.tables.by_name.get(name)
            return self.tables.get(key) if key else None
        return found

    def _put(self, table: Table) -> None:
        self.tables[table.qualified] = table
        self.ever[table.qualified] = True
        self.ever[table.name] = True

    def _on_CreateSchemaStmt(self, stmt: Statement, node: dict[str, Any]) -> None:
        if node.get("schemaname"):
            self.schemas.add(node["schemaname"])
        for element in node.get("schemaElts") or []:
            kind = next(iter(element))
            handler = getattr(self, f"_on_{kind}", None)
            if handler is not None:
                inner = dict(element[kind])
                rel = inner.get("relation")
                if isinstance(rel, dict) and not rel.get("schemaname"):
                    inner["relation"] = {**rel, "schemaname": node.get("schemaname")}
                handler(stmt, inner)

    def _on_CreateExtensionStmt(self, stmt: Statement, node: dict[str, Any]) -> None:
        name = node.get("extname", "")
        if name not in self.extensions:
            self.extensions[name] = stmt.seq

    def _on_CreateStmt(self, stmt: Statement, node: dict[str, Any]) -> None:
        schema, name = _rangevar(node["relation"])
        if node.get("if_not_exists") and self.tables.get(_key(schema, name)):
            return
        if node["relation"].get("relpersistence") == "t":
            schema = "pg_temp"
        key = _key(schema, name)
        origin = self._origin(stmt, node["relation"].get("location"))
        table = Table(schema=schema, name=name, origin=origin)
        parent: Table | None = None
        if node.get("partbound") and node.get("inhRelations"):
            pschema, pname = _rangevar(node["inhRelations"][0]["RangeVar"])
            parent = self._find(node["inhRelations"][0]["RangeVar"].get("schemaname"), pname)
            pkey = parent.qualified if parent else _key(pschema, pname)
            table = replace(table, partition_of=pkey)
            if parent is not None:
                table = replace(table, columns=parent.columns)
        elif node.get("inhRelations"):
            for inh in node["inhRelations"]:
                rv = inh.get("RangeVar", {})
                base = self._find(rv.get("schemaname"), rv.get("relname", ""))
                if base is not None:
                    table = replace(table, columns=table.columns + base.columns)
        self._put(table)
        for element in node.get("tableElts") or []:
            if "ColumnDef" in element:
                self._add_column(stmt, key, element["ColumnDef"])
            elif "Constraint" in element:
                self._add_constraint(stmt, key, element["Constraint"])
            elif "TableLikeClause" in element:
                rv = element["TableLikeClause"].get("relation", {})
                like = self._find(rv.get("schemaname"), rv.get("relname", ""))
                if like is not None:
                    current = self.tables[key]
                    self.tables[key] = replace(
                        current, columns=current.columns + tuple(
                            replace(c, default=None) for c in like.columns)
                    )
        spec = node.get("partspec")
        if spec:
            strategy = str(spec.get("strategy", "")).replace("PARTITION_STRATEGY_", "")
            strategy = {"r": "RANGE", "l": "LIST", "h": "HASH"}.get(strategy, strategy)
            params = []
            for p in spec.get("partParams") or []:
                elem = p.get("PartitionElem", {})
                if elem.get("name"):
                    params.append(elem["name"])
                elif elem.get("expr"):
                    params.append(deparse_expr_node(stmt.sql, elem["expr"]))
            current = self.tables[key]
            self.tables[key] = replace(current, partition_by=f"{strategy} ({', '.join(params)})")
        if parent is not None:
            # Indexes of a partitioned table are created on each partition too.
            for index in self.indexes.by_table.get(parent.qualified, ()):
                self._add_index(replace(
                    index, name=_unique_name(self.indexes, schema, f"{name}_{index.name}"),
                    schema=schema, table=key, constraint=None))

    def _add_column(self, stmt: Statement, key: str, coldef: dict[str, Any]) -> None:
        table = self.tables.get(key)
        if table is None:
            return
        name = coldef.get("colname", "")
        tnode = coldef.get("typeName") or {}
        not_null = False
        default: str | None = None
        if tnode and is_serial(tnode):
            not_null = True
            default = f"nextval('{table.name}_{name}_seq'::regclass)"
        column = Column(name, type_name(tnode) if tnode else "unknown", not_null, default)
        columns = tuple(c for c in table.columns if c.name != name) + (column,)
        self.tables[key] = replace(table, columns=columns)
        for cons in coldef.get("constraints") or []:
            self._add_constraint(stmt, key, cons["Constraint"], column=name)

    def _rename_column(self, key: str, old: str, new: str) -> None:
        table = self.tables.get(key)
        if table is not None:
            self.tables[key] = replace(table, columns=tuple(
                replace(c, name=new) if c.name == old else c for c in table.columns))

    def _set_column(self, key: str, name: str, **changes: Any) -> None:
        table = self.tables.get(key)
        if table is None:
            return
        self.tables[key] = replace(
            table,
            columns=tuple(replace(c, **changes) if c.name == name else c for c in table.columns),
        )

    def _add_constraint(
        self, stmt: Statement, key: str, cons: dict[str, Any], column: str | None = None
    ) -> None:
        table = self.tables.get(key)
        if table is None:
            return
        contype = cons.get("contype", "")
        cols = names(cons.get("keys")) or ([column] if column else [])
        if contype == "CONSTR_NOTNULL" and column:
            self._set_column(key, column, not_null=True)
        elif contype == "CONSTR_NULL" and column:
            self._set_column(key, column, not_null=False)
        elif contype == "CONSTR_DEFAULT" and column:
            expr = cons.get("raw_expr")
            text = deparse_expr_node(stmt.sql, expr) if expr else None
            self._set_column(key, column, default=text)
        elif contype == "CONSTR_IDENTITY" and column:
            self._set_column(key, column, not_null=True)
        elif contype in ("CONSTR_PRIMARY", "CONSTR_UNIQUE"):
            if contype == "CONSTR_PRIMARY":
                for col in cols:
                    self._set_column(key, col, not_null=True)
            if cons.get("indexname"):  # ADD CONSTRAINT … USING INDEX
                existing = self.indexes.get(_key(table.schema, cons["indexname"]))
                if existing is not None:
                    conname = cons.get("conname") or existing.name
                    self.indexes.pop(existing.qualified)
                    self._add_index(replace(
                        existing, name=conname, unique=True,
                        primary=contype == "CONSTR_PRIMARY", constraint=conname))
                return
            suffix = "pkey" if contype == "CONSTR_PRIMARY" else "key"
            default_name = (f"{table.name}_pkey" if contype == "CONSTR_PRIMARY"
                            else f"{table.name}_{'_'.join(cols)}_{suffix}")
            name = cons.get("conname") or _unique_name(self.indexes, table.schema,
                                                       _truncate(default_name))
            keys = tuple(IndexKey(column=c) for c in cols)
            include = tuple(names(cons.get("including")))
            method = cons.get("access_method") or "btree"
            self._add_index(Index(
                name=name, schema=table.schema, table=key, keys=keys, unique=True,
                primary=contype == "CONSTR_PRIMARY", constraint=name, method=method,
                include=include, origin=self._origin(stmt, cons.get("location")),
            ))
        elif contype == "CONSTR_EXCLUSION":
            excl: list[IndexKey] = []
            for pair in cons.get("exclusions") or []:
                items = pair.get("List", {}).get("items", []) if isinstance(pair, dict) else pair
                elem = items[0].get("IndexElem", {}) if items else {}
                if elem.get("name"):
                    excl.append(IndexKey(column=elem["name"]))
            words = "_".join(k.column or "expr" for k in excl)
            name = cons.get("conname") or _unique_name(
                self.indexes, table.schema, _truncate(f"{table.name}_{words}_excl"))
            self._add_index(Index(
                name=name, schema=table.schema, table=key, keys=tuple(excl),
                constraint=name, method=cons.get("access_method") or "gist",
                origin=self._origin(stmt, cons.get("location")),
            ))
        elif contype == "CONSTR_FOREIGN":
            fk_cols = tuple(names(cons.get("fk_attrs"))) or ((column,) if column else ())
            pk = cons.get("pktable") or {}
            ref = self._find(pk.get("schemaname"), pk.get("relname", ""))
            ref_key = ref.qualified if ref else _key(pk.get("schemaname"), pk.get("relname", ""))
            ref_cols = tuple(names(cons.get("pk_attrs")))
            if not ref_cols and ref is not None:
                pkey = next((i for i in self.indexes.by_table.get(ref.qualified, ())
                             if i.primary), None)
                ref_cols = tuple(c or "" for c in pkey.columns) if pkey else ()
            name = cons.get("conname") or _truncate(f"{table.name}_{'_'.join(fk_cols)}_fkey")
            fk = ForeignKey(
                name=name, table=key, columns=fk_cols, ref_table=ref_key, ref_columns=ref_cols,
                not_valid=bool(cons.get("skip_validation")),
                origin=self._origin(stmt, cons.get("location")),
            )
            current = self.tables[key]
            self.tables[key] = replace(
                current, foreign_keys=tuple(f for f in current.foreign_keys if f.name != name)
                + (fk,))

    def _add_index(self, index: Index) -> None:
        self.indexes[index.qualified] = index

    def _on_IndexStmt(self, stmt: Statement, node: dict[str, Any]) -> None:
        rel = node.get("relation") or {}
        table = self._find(rel.get("schemaname"), rel.get("relname", ""))
        if table is None:
            return
        keys: list[IndexKey] = []
        for param in node.get("indexParams") or []:
            elem = param.get("IndexElem", {})
            desc = elem.get("ordering") == "SORTBY_DESC"
            opclass = ".".join(names(elem.get("opclass"))) or None
            if elem.get("name"):
                keys.append(IndexKey(column=elem["name"], descending=desc, opclass=opclass))
            elif elem.get("expr") is not None:
                expr = elem["expr"]
                text = deparse_expr_node(stmt.sql, expr)
                bare = _bare_column(expr)
                if bare is not None:  # `((col))` is just the column
                    keys.append(IndexKey(column=bare, descending=desc, opclass=opclass))
                else:
                    keys.append(IndexKey(column=None, expression=text, expr=canonical(expr),
                                         descending=desc, opclass=opclass))
        include = tuple(p.get("IndexElem", {}).get("name", "")
                        for p in node.get("indexIncludingParams") or [])
        predicate = predicate_key = None
        if node.get("whereClause") is not None:
            where = node["whereClause"]
            predicate = deparse_expr_node(stmt.sql, where) or None
            predicate_key = canonical(where)
        name = node.get("idxname") or _unique_name(
            self.indexes, table.schema, _default_index_name(table.name, keys))
        qualified = _key(table.schema, name)
        if node.get("if_not_exists") and qualified in self.indexes:
            return
        self._add_index(Index(
            name=name, schema=table.schema, table=table.qualified, keys=tuple(keys),
            unique=bool(node.get("unique")), primary=bool(node.get("primary")),
            method=node.get("accessMethod") or "btree", predicate=predicate,
            predicate_key=predicate_key, include=include,
            origin=self._origin(stmt),
        ))

    def _on_AlterTableStmt(self, stmt: Statement, node: dict[str, Any]) -> None:
        rel = node.get("relation") or {}
        table = self._find(rel.get("schemaname"), rel.get("relname", ""))
        if table is None:
            return
        key = table.qualified
        for wrapped in node.get("cmds") or []:
            cmd = wrapped.get("AlterTableCmd", {})
            sub = cmd.get("subtype", "")
            definition = cmd.get("def") or {}
            if sub == "AT_AddColumn" and "ColumnDef" in definition:
                if cmd.get("missing_ok") and self.tables[key].column(
                        definition["ColumnDef"].get("colname", "")):
                    continue
                self._add_column(stmt, key, definition["ColumnDef"])
            elif sub == "AT_DropColumn":
                self._drop_column(key, cmd.get("name", ""))
            elif sub == "AT_AddConstraint" and "Constraint" in definition:
                self._add_constraint(stmt, key, definition["Constraint"])
            elif sub == "AT_DropConstraint":
                self._drop_constraint(key, cmd.get("name", ""))
            elif sub == "AT_AlterColumnType" and "ColumnDef" in definition:
                tnode = definition["ColumnDef"].get("typeName") or {}
                self._set_column(key, cmd.get("name", ""), type=type_name(tnode))
            elif sub == "AT_SetNotNull":
                self._set_column(key, cmd.get("name", ""), not_null=True)
            elif sub == "AT_DropNotNull":
                self._set_column(key, cmd.get("name", ""), not_null=False)
            elif sub == "AT_ColumnDefault":
                expr = definition if definition else None
                self._set_column(key, cmd.get("name", ""),
                                 default=deparse_expr_node(stmt.sql, expr) if expr else None)
            elif sub == "AT_AttachPartition" and "PartitionCmd" in definition:
                rv = definition["PartitionCmd"].get("name", {})
                part = self._find(rv.get("schemaname"), rv.get("relname", ""))
                if part is not None:
                    self.tables[part.qualified] = replace(part, partition_of=key)
            elif sub == "AT_DetachPartition" and "PartitionCmd" in definition:
                rv = definition["PartitionCmd"].get("name", {})
                part = self._find(rv.get("schemaname"), rv.get("relname", ""))
                if part is not None:
                    self.tables[part.qualified] = replace(part, partition_of=None)
            elif sub == "AT_ValidateConstraint":
                current = self.tables[key]
                self.tables[key] = replace(current, foreign_keys=tuple(
                    replace(f, not_valid=False) if f.name == cmd.get("name") else f
                    for f in current.foreign_keys))

    def _drop_column(self, key: str, name: str) -> None:
        table = self.tables.get(key)
        if table is None:
            return
        self.tables[key] = replace(
            table,
            columns=tuple(c for c in table.columns if c.name != name),
            foreign_keys=tuple(f for f in table.foreign_keys if name not in f.columns),
        )
        for index in self.indexes.by_table.get(key, ()):
            if name in index.columns or name in index.include or _mentions(index, name):
                del self.indexes[index.qualified]

    def _drop_constraint(self, key: str, name: str) -> None:
        table = self.tables.get(key)
        if table is None:
            return
        self.tables[key] = replace(
            table, foreign_keys=tuple(f for f in table.foreign_keys if f.name != name))
        for index in self.indexes.by_table.get(key, ()):
            if index.constraint == name:
                del self.indexes[index.qualified]

    def _on_DropStmt(self, stmt: Statement, node: dict[str, Any]) -> None:
        kind = node.get("removeType")
        for obj in node.get("objects") or []:
            parts = names(obj.get("List", {}).get("items")) if isinstance(obj, dict) else []
            if not parts:
                continue
            schema = parts[-2] if len(parts) > 1 else None
            name = parts[-1]
            if kind in _RELKIND:
                table = self._find(schema, name)
                if table is not None:
                    self._drop_table(table.qualified)
            elif kind == "OBJECT_INDEX":
                qualified = _key(schema, name) if schema else self._index_key(name)
                if qualified:
                    self.indexes.pop(qualified, None)
            elif kind == "OBJECT_SCHEMA":
                for table_key in [k for k in self.tables if k.startswith(f"{name}.")]:
                    self._drop_table(table_key)
                self.schemas.discard(name)
        if kind == "OBJECT_EXTENSION":
            for obj in node.get("objects") or []:
                self.extensions.pop(strval(obj), None)
        elif kind == "OBJECT_SCHEMA":
            for obj in node.get("objects") or []:
                name = strval(obj)
                for table_key in [k for k in self.tables if k.startswith(f"{name}.")]:
                    self._drop_table(table_key)
                self.schemas.discard(name)

    def _index_key(self, name: str) -> str | None:
        if _key("public", name) in self.indexes:
            return _key("public", name)
        for qualified, index in self.indexes.items():
            if index.name == name:
                return qualified
        return None

    def _drop_table(self, key: str) -> None:
        table = self.tables.pop(key, None)
        for index in self.indexes.by_table.get(key, ()):
            del self.indexes[index.qualified]
        if table is not None and table.partition_by:
            for part_key, part in list(self.tables.items()):
                if part.partition_of == key:
                    self._drop_table(part_key)

    def _on_RenameStmt(self, stmt: Statement, node: dict[str, Any]) -> None:
        kind = node.get("renameType")
        rel = node.get("relation") or {}
        new = node.get("newname", "")
        if kind in _RELKIND:
            table = self._find(rel.get("schemaname"), rel.get("relname", ""))
            if table is None:
                return
            old_key = table.qualified
            self.tables.pop(old_key)
            renamed = replace(table, name=new)
            self._put(renamed)
            for index in self.indexes.by_table.get(old_key, ()):
                self.indexes[index.qualified] = replace(index, table=renamed.qualified)
            for tkey, other in list(self.tables.items()):
                if any(f.ref_table == old_key for f in other.foreign_keys):
                    self.tables[tkey] = replace(other, foreign_keys=tuple(
                        replace(f, ref_table=renamed.qualified) if f.ref_table == old_key else f
                        for f in other.foreign_keys))
        elif kind == "OBJECT_COLUMN":
            table = self._find(rel.get("schemaname"), rel.get("relname", ""))
            if table is None:
                return
            old = node.get("subname", "")
            self._rename_column(table.qualified, old, new)
            table = self.tables[table.qualified]

            def ren(cols: tuple[str, ...]) -> tuple[str, ...]:
                return tuple(new if c == old else c for c in cols)

            self.tables[table.qualified] = replace(table, foreign_keys=tuple(
                replace(f, columns=ren(f.columns)) for f in table.foreign_keys))
            for index in self.indexes.by_table.get(table.qualified, ()):
                self.indexes[index.qualified] = replace(index, keys=tuple(
                    replace(k, column=new) if k.column == old else k for k in index.keys),
                    include=ren(index.include))
            for tkey, other in list(self.tables.items()):
                if any(f.ref_table == table.qualified for f in other.foreign_keys):
                    self.tables[tkey] = replace(other, foreign_keys=tuple(
                        replace(f, ref_columns=ren(f.ref_columns))
                        if f.ref_table == table.qualified else f for f in other.foreign_keys))
        elif kind == "OBJECT_INDEX":
            qualified = (_key(rel.get("schemaname"), rel.get("relname", ""))
                         if rel.get("schemaname") else self._index_key(rel.get("relname", "")))
            renamed_index = self.indexes.pop(qualified, None) if qualified else None
            if renamed_index is not None:
                index = renamed_index
                self._add_index(replace(
                    index, name=new, constraint=new if index.constraint else None))
        elif kind == "OBJECT_TABCONSTRAINT":
            table = self._find(rel.get("schemaname"), rel.get("relname", ""))
            if table is None:
                return
            old = node.get("subname", "")
            for index in self.indexes.by_table.get(table.qualified, ()):
                if index.constraint == old:
                    del self.indexes[index.qualified]
                    self._add_index(replace(index, name=new, constraint=new))
            self.tables[table.qualified] = replace(table, foreign_keys=tuple(
                replace(f, name=new) if f.name == old else f for f in table.foreign_keys))

    def _on_ViewStmt(self, stmt: Statement, node: dict[str, Any]) -> None:
        schema, name = _rangevar(node["view"])
        self._put(Table(
            schema=schema, name=name, kind="view",
            columns=tuple(Column(n, "unknown") for n in names(node.get("aliases")))
            or _output_columns(node.get("query")),
            query=_query_text(stmt, node.get("query")),
            origin=self._origin(stmt, node["view"].get("location")),
        ))

    def _on_CreateTableAsStmt(self, stmt: Statement, node: dict[str, Any]) -> None:
        into = node.get("into") or {}
        rel = into.get("rel") or {}
        schema, name = _rangevar(rel)
        if rel.get("relpersistence") == "t":  # CREATE TEMP TABLE … AS: ends with its file
            schema = "pg_temp"
        if node.get("if_not_exists") and _key(schema, name) in self.tables:
            return
        kind: TableKind = "matview" if node.get("objtype") == "OBJECT_MATVIEW" else "table"
        columns = tuple(Column(n, "unknown") for n in names(into.get("colNames")))
        self._put(Table(
            schema=schema, name=name, kind=kind,
            columns=columns or _output_columns(node.get("query"), self),
            query=_query_text(stmt, node.get("query")),
            origin=self._origin(stmt, rel.get("location")),
        ))


def _query_text(stmt: Statement, query: Any) -> str | None:
    return stmt.sql if query else None


def _output_columns(query: Any, builder: CatalogBuilder | None = None) -> tuple[Column, ...]:
    """Column names a view's query produces, as far as the tree shows them."""
    select = (query or {}).get("SelectStmt") or {}
    out: list[Column] = []
    for target in select.get("targetList") or []:
        res = target.get("ResTarget", {})
        if res.get("name"):
            out.append(Column(res["name"], "unknown"))
            continue
        val = res.get("val", {})
        if "ColumnRef" in val:
            fields = val["ColumnRef"].get("fields", [])
            if fields and "A_Star" in fields[-1]:
                if builder is not None:
                    for item in select.get("fromClause") or []:
                        rv = item.get("RangeVar")
                        if rv:
                            src = builder._find(rv.get("schemaname"), rv.get("relname", ""))
                            if src is not None:
                                out.extend(src.columns)
                continue
            out.append(Column(strval(fields[-1]), "unknown"))
        elif "FuncCall" in val:
            out.append(Column(strval(val["FuncCall"]["funcname"][-1]), "unknown"))
        elif "TypeCast" in val and "ColumnRef" in val["TypeCast"].get("arg", {}):
            fields = val["TypeCast"]["arg"]["ColumnRef"].get("fields", [])
            out.append(Column(strval(fields[-1]), "unknown"))
    return tuple(out)


def _bare_column(expr: dict[str, Any]) -> str | None:
    ref = expr.get("ColumnRef")
    if ref and len(ref.get("fields", [])) == 1 and "String" in ref["fields"][0]:
        return strval(ref["fields"][0])
    return None


def _mentions(index: Index, column: str) -> bool:
    needle = f'"sval":"{column}"'
    return any(k.expr and needle in k.expr for k in index.keys) or bool(
        index.predicate_key and needle in index.predicate_key)


def _truncate(name: str) -> str:
    return name[:63]


def _default_index_name(table: str, keys: list[IndexKey]) -> str:
    parts: list[str] = []
    for k in keys:
        if k.column is not None:
            parts.append(k.column)
        else:
            text = k.expression or "expr"
            func = text.split("(")[0].strip() if "(" in text else "expr"
            parts.append(func if func.isidentifier() else "expr")
    return _truncate(f"{table}_{'_'.join(parts)}_idx")


def _unique_name(existing: IndexStore, schema: str, name: str) -> str:
    if _key(schema, name) not in existing:
        return name
    n = 1
    while _key(schema, f"{name}{n}") in existing:
        n += 1
    return f"{name}{n}"


def build_catalog(statements: list[Statement]) -> Catalog:
    """The catalog after applying every statement in order."""
    builder = CatalogBuilder()
    for stmt in statements:
        builder.apply(stmt)
    return builder.snapshot()
