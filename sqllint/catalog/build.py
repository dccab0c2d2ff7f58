"""Applying DDL statements, in order, to build the catalog.

Unknown or unsupported DDL is ignored: the catalog is what the files say, and a
statement we cannot model must not stop the rest from being modelled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import immutables

from sqllint.catalog.model import (
    Catalog,
    Column,
    ForeignKey,
    Index,
    IndexKey,
    Origin,
    Table,
    TableKind,
    UserType,
    evolve,
    lookup,
)
from sqllint.catalog.store import IndexStore, PersistentDict, TableStore
from sqllint.model import Statement
from sqllint.sqltext import (
    SQL_VALUE_FUNCTION_NAMES,
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


def _search_path(args: list[Any]) -> tuple[str, ...]:
    """The schemas of ``SET search_path`` arguments or of a set_config value string."""
    out: list[str] = []
    for arg in args:
        text = strval((arg.get("A_Const") or {}).get("sval")) if isinstance(arg, dict) else arg
        for part in str(text).split(","):
            part = part.strip()
            if part.startswith('"') and part.endswith('"') and len(part) > 1:
                out.append(part[1:-1].replace('""', '"'))
            elif part:
                out.append(part.lower() if isinstance(arg, str) else part)
    return tuple(out)


class CatalogBuilder:
    """Mutable state while applying DDL; ``snapshot()`` hands out immutable catalogs."""

    def __init__(self, search_path: tuple[str, ...] | None = None) -> None:
        self.tables = TableStore()
        self.indexes = IndexStore()
        self.extensions: PersistentDict[str, int] = PersistentDict()
        self.schemas: set[str] = {"public"}
        self.ever: PersistentDict[str, bool] = PersistentDict()
        self.types: PersistentDict[str, UserType] = PersistentDict()
        # bare type name → qualified keys
        self._type_keys: immutables.Map[str, tuple[str, ...]] = immutables.Map()
        self.functions: PersistentDict[str, tuple[Column, ...]] = PersistentDict()
        self.transitions: PersistentDict[str, dict[str, str]] = PersistentDict()
        self.function_paths: PersistentDict[str, tuple[str, ...]] = PersistentDict()
        # The session's search_path (None: never set) and, inside a transaction that
        # ran SET LOCAL, the path to go back to at its end.
        self.default_path = search_path or None
        self.path: tuple[str, ...] | None = self.default_path
        self._pending_keys: list[_KeySpec] | None = None  # PK/UNIQUE of a CREATE TABLE
        self._path_before_local: tuple[tuple[str, ...] | None] | None = None
        self._snapshot: Catalog | None = None
        # Tables that live as long as the session, whatever their schema (a module's
        # own work tables: ``Replay``), by key.
        self.session_tables: tuple[str, ...] = ()

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
                search_path=self.path,
                types=self.types.frozen,
                functions=self.functions.frozen,
                transitions=self.transitions.frozen,
                function_paths=self.function_paths.frozen,
            )
        return self._snapshot

    def fork(self) -> CatalogBuilder:
        """A builder that goes on from here independently of this one (cheap: the maps
        are persistent; only the small mutable parts are copied)."""
        other = CatalogBuilder.__new__(CatalogBuilder)
        other.__dict__.update(self.__dict__)
        other.tables = self.tables.copy()
        other.indexes = self.indexes.copy()
        for name in ("extensions", "ever", "types", "functions", "transitions",
                     "function_paths"):
            setattr(other, name, getattr(self, name).copy())
        other.schemas = set(self.schemas)
        other._pending_keys = None
        other._snapshot = None
        return other

    def apply_for_session(self, stmt: Statement) -> None:
        """Apply a CREATE TABLE (… AS) whose table lasts until the session ends."""
        node = stmt.node or {}
        body = node.get("CreateStmt") or node.get("CreateTableAsStmt") or {}
        rel = body.get("relation") or (body.get("into") or {}).get("rel") or {}
        key = "{}.{}".format(*self._target(rel))
        existed = key in self.tables
        self.apply(stmt)
        if not existed and key in self.tables:
            self.session_tables += (key,)

    def end_session(self) -> None:
        """A file ran to its end: its temporary tables and its search_path are gone (each
        file is a session)."""
        temp = [key for key, table in self.tables.items()
                if table.schema == "pg_temp"] if self.tables.temporary else []
        temp += [key for key in self.session_tables if key in self.tables]
        self.session_tables = ()
        if temp or self.path != self.default_path:
            self._snapshot = None
            for key in temp:
                self._drop_table(key)
            self.path = self.default_path
            self._path_before_local = None

    # -- the session's search_path -----------------------------------------------------

    def session(self, stmt: Statement) -> None:
        """Apply what ``stmt`` does to the session: SET [LOCAL] search_path,
        set_config('search_path', …), RESET, and the end of a transaction (SET LOCAL)."""
        kind = stmt.node_type
        node = stmt.node[kind] if stmt.node is not None and kind else None
        if not isinstance(node, dict):
            return
        if kind == "VariableSetStmt" and node.get("name") == "search_path":
            if node.get("kind") == "VAR_SET_VALUE":
                self._set_path(_search_path(node.get("args") or []), bool(node.get("is_local")))
            elif node.get("kind") in ("VAR_SET_DEFAULT", "VAR_RESET"):
                self._set_path(self.default_path, bool(node.get("is_local")))
        elif kind == "VariableSetStmt" and node.get("kind") == "VAR_RESET_ALL":
            self._set_path(self.default_path, False)
        elif kind == "TransactionStmt" and self._path_before_local is not None and \
                node.get("kind") in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK",
                                     "TRANS_STMT_PREPARE"):
            self._snapshot = None
            self.path = self._path_before_local[0]
            self._path_before_local = None
        elif kind == "SelectStmt":
            for target in node.get("targetList") or []:
                call = ((target.get("ResTarget") or {}).get("val") or {}).get("FuncCall")
                if not call or names(call.get("funcname"))[-1:] != ["set_config"]:
                    continue
                args = call.get("args") or []
                consts = [(a.get("A_Const") or {}) for a in args]
                if len(args) == 3 and strval(consts[0].get("sval")) == "search_path" \
                        and "sval" in consts[1]:
                    local = bool((consts[2].get("boolval") or {}).get("boolval"))
                    self._set_path(_search_path([strval(consts[1]["sval"])]), local)

    def _set_path(self, path: tuple[str, ...] | None, local: bool) -> None:
        self._snapshot = None
        if local and self._path_before_local is None:
            self._path_before_local = (self.path,)
        elif not local:
            self._path_before_local = None
        self.path = path

    def _creation_schema(self) -> str:
        """Where an unqualified CREATE puts its object: the first existing schema of the
        path (pg_catalog and "$user" aside)."""
        for schema in self.path or ():
            if schema in self.schemas:
                return schema
        return "public"

    def _target(self, rv: dict[str, Any]) -> tuple[str, str]:
        """Schema and name of a relation a statement creates."""
        return rv.get("schemaname") or self._creation_schema(), rv.get("relname", "")

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
        return lookup(self.tables.frozen, self.tables.by_name, name, self.path)

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

    def _on_DoStmt(self, stmt: Statement, node: dict[str, Any]) -> None:
        """A DO block runs as it is applied: its static DDL (a migration's ``IF NOT EXISTS
        (…) THEN ALTER TABLE …`` guard) changes the schema, and so does ``EXECUTE`` of a
        constant string; text built at run time is not read."""
        from sqllint.sources.bodies import body_statements

        for body in body_statements(stmt):
            if (body.source == "plpgsql" and not body.dynamic) or body.source == "execute":
                self.apply(body.stmt)

    def _on_CreateExtensionStmt(self, stmt: Statement, node: dict[str, Any]) -> None:
        name = node.get("extname", "")
        if name not in self.extensions:
            self.extensions[name] = stmt.seq

    def _on_CreateStmt(self, stmt: Statement, node: dict[str, Any]) -> None:
        schema, name = self._target(node["relation"])
        if node.get("if_not_exists") and self.tables.get(_key(schema, name)):
            return
        if node["relation"].get("relpersistence") == "t":
            schema = "pg_temp"
        key = _key(schema, name)
        origin = self._origin(stmt, node["relation"].get("location"))
        table = Table(schema=schema, name=name, origin=origin)
        parent: Table | None = None
        if node.get("partbound") and node.get("inhRelations"):
            pschema, pname = self._target(node["inhRelations"][0]["RangeVar"])
            parent = self._find(node["inhRelations"][0]["RangeVar"].get("schemaname"), pname)
            pkey = parent.qualified if parent else _key(pschema, pname)
            table = evolve(table, partition_of=pkey)
            if parent is not None:
                table = evolve(table, columns=parent.columns)
        elif node.get("inhRelations"):
            for inh in node["inhRelations"]:
                rv = inh.get("RangeVar", {})
                base = self._find(rv.get("schemaname"), rv.get("relname", ""))
                if base is not None:
                    table = evolve(table, columns=table.columns + base.columns)
        self._put(table)
        self._pending_keys = []
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
                    self.tables[key] = evolve(
                        current, columns=current.columns + tuple(
                            evolve(c, default=None) for c in like.columns)
                    )
        self._flush_keys(key)
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
            self.tables[key] = evolve(current, partition_by=f"{strategy} ({', '.join(params)})")
        if parent is not None:
            # Indexes of a partitioned table are created on each partition too.
            for index in self.indexes.by_table.get(parent.qualified, ()):
                label = ("pkey" if index.primary else "excl" if index.method != "btree"
                         and index.constraint else "key" if index.constraint else "idx")
                self._add_index(evolve(
                    index, name=self._choose_name(
                        schema, name, None if index.primary else _addition(index.keys), label),
                    schema=schema, table=key, constraint=None, parent=index.qualified))

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
        collation = names((coldef.get("collClause") or {}).get("collname"))
        column = Column(name, self._type(tnode) if tnode else "unknown", not_null, default,
                        collation[-1] if collation else None)
        columns = tuple(c for c in table.columns if c.name != name) + (column,)
        self.tables[key] = evolve(table, columns=columns)
        for cons in coldef.get("constraints") or []:
            self._add_constraint(stmt, key, cons["Constraint"], column=name)

    def _rename_column(self, key: str, old: str, new: str) -> None:
        table = self.tables.get(key)
        if table is not None:
            self.tables[key] = evolve(table, columns=tuple(
                evolve(c, name=new) if c.name == old else c for c in table.columns))

    def _set_column(self, key: str, name: str, **changes: Any) -> None:
        table = self.tables.get(key)
        if table is None:
            return
        self.tables[key] = evolve(
            table,
            columns=tuple(evolve(c, **changes) if c.name == name else c for c in table.columns),
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
                    self._add_index(evolve(
                        existing, name=conname, unique=True,
                        primary=contype == "CONSTR_PRIMARY", constraint=conname))
                return
            spec = _KeySpec(
                contype == "CONSTR_PRIMARY", tuple(cols), tuple(names(cons.get("including"))),
                cons.get("access_method") or "btree",
                (bool(cons.get("nulls_not_distinct")), bool(cons.get("deferrable")),
                 bool(cons.get("initdeferred"))),
                cons.get("conname"), self._origin(stmt, cons.get("location")))
            if self._pending_keys is not None:  # inside CREATE TABLE: merged at its end
                self._pending_keys.append(spec)
            else:
                self._add_key(key, spec)
        elif contype == "CONSTR_EXCLUSION":
            excl: list[IndexKey] = []
            for pair in cons.get("exclusions") or []:
                items = pair.get("List", {}).get("items", []) if isinstance(pair, dict) else pair
                elem = items[0].get("IndexElem", {}) if items else {}
                excl.append(_key_of(stmt, table, elem))
            name = cons.get("conname") or self._choose_name(
                table.schema, table.name, _addition(excl), "excl")
            where = cons.get("where_clause")
            self._add_index(Index(
                name=name, schema=table.schema, table=key, keys=tuple(excl),
                constraint=name, method=cons.get("access_method") or "gist",
                predicate=deparse_expr_node(stmt.sql, where) or None if where else None,
                predicate_key=canonical(where) if where else None,
                include=tuple(names(cons.get("including"))),
                origin=self._origin(stmt, cons.get("location")),
            ))
        elif contype == "CONSTR_FOREIGN":
            fk_cols = tuple(names(cons.get("fk_attrs"))) or ((column,) if column else ())
            pk = cons.get("pktable") or {}
            ref = self._find(pk.get("schemaname"), pk.get("relname", ""))
            ref_key = ref.qualified if ref else _key(
                pk.get("schemaname") or self._creation_schema(), pk.get("relname", ""))
            ref_cols = tuple(names(cons.get("pk_attrs")))
            if not ref_cols and ref is not None:
                pkey = next((i for i in self.indexes.by_table.get(ref.qualified, ())
                             if i.primary), None)
                ref_cols = tuple(c or "" for c in pkey.columns) if pkey else ()
            name = cons.get("conname") or _object_name(
                table.name, _addition(tuple(IndexKey(column=c) for c in fk_cols)), "fkey")
            fk = ForeignKey(
                name=name, table=key, columns=fk_cols, ref_table=ref_key, ref_columns=ref_cols,
                not_valid=bool(cons.get("skip_validation")),
                origin=self._origin(stmt, cons.get("location")),
            )
            current = self.tables[key]
            self.tables[key] = evolve(
                current, foreign_keys=tuple(f for f in current.foreign_keys if f.name != name)
                + (fk,))

    def _add_key(self, key: str, spec: _KeySpec) -> None:
        table = self.tables[key]
        keys = tuple(IndexKey(column=c) for c in spec.columns)
        name = spec.name or (
            self._choose_name(table.schema, table.name, None, "pkey") if spec.primary
            else self._choose_name(table.schema, table.name, _addition(keys), "key"))
        self._add_index(Index(
            name=name, schema=table.schema, table=key, keys=keys, unique=True,
            primary=spec.primary, constraint=name, method=spec.method, include=spec.include,
            origin=spec.origin))

    def _flush_keys(self, key: str) -> None:
        """CREATE TABLE's PRIMARY KEY and UNIQUE constraints become indexes as PostgreSQL
        makes them: the primary key first, then one index per distinct key (``UNIQUE
        PRIMARY KEY`` is one index; a name given to a duplicate goes to the one kept)."""
        specs, self._pending_keys = self._pending_keys or [], None
        final = [s for s in specs if s.primary][:1]
        for spec in specs:
            if final and spec is final[0]:
                continue
            for i, prior in enumerate(final):
                if prior.same_index(spec):
                    if prior.name is None:
                        final[i] = evolve(prior, name=spec.name)
                    break
            else:
                final.append(spec)
        for spec in final:
            self._add_key(key, spec)

    def _add_index(self, index: Index) -> None:
        self.indexes[index.qualified] = index

    def _on_IndexStmt(self, stmt: Statement, node: dict[str, Any]) -> None:
        rel = node.get("relation") or {}
        table = self._find(rel.get("schemaname"), rel.get("relname", ""))
        if table is None:
            return
        keys = [_key_of(stmt, table, param.get("IndexElem", {}))
                for param in node.get("indexParams") or []]
        include = tuple(p.get("IndexElem", {}).get("name", "")
                        for p in node.get("indexIncludingParams") or [])
        predicate = predicate_key = None
        if node.get("whereClause") is not None:
            where = node["whereClause"]
            predicate = deparse_expr_node(stmt.sql, where) or None
            predicate_key = canonical(where)
        name = node.get("idxname") or self._choose_name(
            table.schema, table.name, _addition(keys),
            "pkey" if node.get("primary") else "key" if node.get("isconstraint") else "idx")
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
        if node.get("objtype") == "OBJECT_INDEX":
            self._alter_index(rel, node.get("cmds") or [])
            return
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
                    self.tables[part.qualified] = evolve(part, partition_of=key)
            elif sub == "AT_DetachPartition" and "PartitionCmd" in definition:
                rv = definition["PartitionCmd"].get("name", {})
                part = self._find(rv.get("schemaname"), rv.get("relname", ""))
                if part is not None:
                    self.tables[part.qualified] = evolve(part, partition_of=None)
            elif sub == "AT_ValidateConstraint":
                current = self.tables[key]
                self.tables[key] = evolve(current, foreign_keys=tuple(
                    evolve(f, not_valid=False) if f.name == cmd.get("name") else f
                    for f in current.foreign_keys))

    def _alter_index(self, rel: dict[str, Any], cmds: list[Any]) -> None:
        """ALTER INDEX parent ATTACH PARTITION child (pg_dump writes partitioned indexes
        so): the child becomes the partition's copy of the parent index."""
        parent = self._index_by_rangevar(rel)
        for wrapped in cmds:
            cmd = wrapped.get("AlterTableCmd", {})
            part = ((cmd.get("def") or {}).get("PartitionCmd") or {}).get("name") or {}
            child = self._index_by_rangevar(part) if part else None
            if cmd.get("subtype") == "AT_AttachPartition" and parent and child:
                self.indexes[child] = evolve(self.indexes[child], parent=parent)

    def _index_by_rangevar(self, rv: dict[str, Any]) -> str | None:
        if rv.get("schemaname"):
            key = _key(rv["schemaname"], rv.get("relname", ""))
            return key if key in self.indexes else None
        return self._index_key(rv.get("relname", ""))

    def _drop_column(self, key: str, name: str) -> None:
        table = self.tables.get(key)
        if table is None:
            return
        self.tables[key] = evolve(
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
        self.tables[key] = evolve(
            table, foreign_keys=tuple(f for f in table.foreign_keys if f.name != name))
        for index in self.indexes.by_table.get(key, ()):
            if index.constraint == name:
                del self.indexes[index.qualified]

    def _on_DropStmt(self, stmt: Statement, node: dict[str, Any]) -> None:
        kind = node.get("removeType")
        if kind in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
            for obj in node.get("objects") or []:
                found = self._object_type({"object": obj})
                if found is not None:
                    self._drop_type(found)
            return
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

    def _choose_name(self, schema: str, name1: str, name2: str | None, label: str) -> str:
        """ChooseRelationName: the default name of an index or constraint, numbered
        (``…_key1``) when a relation of the schema has it already."""
        n = 0
        while True:
            name = _object_name(name1, name2, f"{label}{n}" if n else label)
            key = _key(schema, name)
            if key not in self.indexes and key not in self.tables:
                return name
            n += 1

    def _index_key(self, name: str) -> str | None:
        """The qualified key of an unqualified index name, through the search path."""
        for schema in ("pg_temp", *(self.path if self.path is not None else ("public",))):
            if _key(schema, name) in self.indexes:
                return _key(schema, name)
        if self.path is not None:
            return None
        for qualified, index in self.indexes.items():
            if index.name == name:
                return qualified
        return None

    # -- types ------------------------------------------------------------------------

    def _type(self, tnode: dict[str, Any]) -> str:
        """A column type as format_type prints it, user types resolved through the path."""
        text = type_name(tnode)
        parts = names(tnode.get("names"))
        if not parts or (len(parts) == 2 and parts[0] == "pg_catalog"):
            return text
        found = self._find_type(parts[0] if len(parts) == 2 else None, parts[-1])
        if found is None:
            return text
        return found.display + "[]" * len(tnode.get("arrayBounds") or [])

    def _find_type(self, schema: str | None, name: str) -> UserType | None:
        if schema:
            return self.types.get(_key(schema, name))
        for s in self.path if self.path is not None else ("public",):
            found = self.types.get(_key(s, name))
            if found is not None:
                return found
        if self.path is None:
            keys = self._type_keys.get(name)
            return self.types.get(keys[0]) if keys else None
        return None

    def _put_type(self, found: UserType) -> None:
        self.types[found.qualified] = found
        keys = self._type_keys.get(found.name, ())
        if found.qualified not in keys:
            self._type_keys = self._type_keys.set(found.name, (*keys, found.qualified))

    def _drop_type(self, found: UserType) -> None:
        self.types.pop(found.qualified, None)
        keys = self._type_keys.get(found.name, ())
        if found.qualified in keys:
            rest = list(keys)
            rest.remove(found.qualified)
            self._type_keys = self._type_keys.set(found.name, tuple(rest))

    def _type_target(self, parts: list[str]) -> tuple[str, str]:
        return (parts[-2] if len(parts) > 1 else self._creation_schema()), parts[-1]

    def _on_CreateEnumStmt(self, stmt: Statement, node: dict[str, Any]) -> None:
        schema, name = self._type_target(names(node.get("typeName")))
        self._put_type(UserType(schema, name, "enum", labels=tuple(names(node.get("vals")))))

    def _on_CreateDomainStmt(self, stmt: Statement, node: dict[str, Any]) -> None:
        schema, name = self._type_target(names(node.get("domainname")))
        self._put_type(UserType(schema, name, "domain"))

    def _on_CreateRangeStmt(self, stmt: Statement, node: dict[str, Any]) -> None:
        schema, name = self._type_target(names(node.get("typeName")))
        self._put_type(UserType(schema, name, "range"))

    def _on_CompositeTypeStmt(self, stmt: Statement, node: dict[str, Any]) -> None:
        schema, name = self._target(node.get("typevar") or {})
        cols = tuple(Column(c["ColumnDef"].get("colname", ""),
                            self._type(c["ColumnDef"].get("typeName") or {}))
                     for c in node.get("coldeflist") or [] if "ColumnDef" in c)
        self._put_type(UserType(schema, name, "composite", columns=cols))

    def _on_AlterEnumStmt(self, stmt: Statement, node: dict[str, Any]) -> None:
        parts = names(node.get("typeName"))
        found = self._find_type(parts[-2] if len(parts) > 1 else None, parts[-1]) \
            if parts else None
        if found is None:
            return
        labels = list(found.labels)
        new, old = node.get("newVal", ""), node.get("oldVal")
        if old is not None:
            labels = [new if v == old else v for v in labels]
        elif new not in labels:
            neighbor = node.get("newValNeighbor")
            at = labels.index(neighbor) if neighbor in labels else len(labels)
            if neighbor in labels and node.get("newValIsAfter"):
                at += 1
            labels.insert(at, new)
        self._put_type(evolve(found, labels=tuple(labels)))

    def _move_type(self, found: UserType, moved: UserType) -> None:
        """Rename or move a type: the columns of that type follow (arrays too)."""
        self._drop_type(found)
        self._put_type(moved)
        old, new = found.display, moved.display
        for key, table in list(self.tables.items()):
            if any(c.type.split("[")[0] == old for c in table.columns):
                self.tables[key] = evolve(table, columns=tuple(
                    evolve(c, type=new + c.type[len(old):])
                    if c.type.split("[")[0] == old else c for c in table.columns))

    def _object_type(self, node: dict[str, Any]) -> UserType | None:
        obj = node.get("object") or {}
        parts = names((obj.get("List") or {}).get("items")) if "List" in obj else \
            names((obj.get("TypeName") or {}).get("names"))
        if not parts:
            return None
        return self._find_type(parts[-2] if len(parts) > 1 else None, parts[-1])

    def _on_AlterObjectSchemaStmt(self, stmt: Statement, node: dict[str, Any]) -> None:
        kind, new_schema = node.get("objectType"), node.get("newschema", "")
        if kind in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
            found = self._object_type(node)
            if found is not None:
                self._move_type(found, evolve(found, schema=new_schema))
        elif kind in _RELKIND:
            rel = node.get("relation") or {}
            table = self._find(rel.get("schemaname"), rel.get("relname", ""))
            if table is not None:
                self._move_table(table, evolve(table, schema=new_schema))

    def _drop_table(self, key: str) -> None:
        table = self.tables.pop(key, None)
        # With foreign keys pointing at it, only DROP … CASCADE succeeds: they go too.
        for tkey in sorted(self.tables.referrers.get(key, ())):
            other = self.tables[tkey]
            self.tables[tkey] = evolve(other, foreign_keys=tuple(
                f for f in other.foreign_keys if f.ref_table != key))
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
            if table is not None:
                self._move_table(table, evolve(table, name=new))
        elif kind in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
            found = self._object_type(node)
            if found is not None:
                self._move_type(found, evolve(found, name=new))
        elif kind == "OBJECT_COLUMN":
            table = self._find(rel.get("schemaname"), rel.get("relname", ""))
            if table is None:
                return
            old = node.get("subname", "")
            self._rename_column(table.qualified, old, new)
            table = self.tables[table.qualified]

            def ren(cols: tuple[str, ...]) -> tuple[str, ...]:
                return tuple(new if c == old else c for c in cols)

            self.tables[table.qualified] = evolve(table, foreign_keys=tuple(
                evolve(f, columns=ren(f.columns)) for f in table.foreign_keys))
            for index in self.indexes.by_table.get(table.qualified, ()):
                self.indexes[index.qualified] = evolve(index, keys=tuple(
                    evolve(k, column=new) if k.column == old else k for k in index.keys),
                    include=ren(index.include))
            for tkey, other in list(self.tables.items()):
                if any(f.ref_table == table.qualified for f in other.foreign_keys):
                    self.tables[tkey] = evolve(other, foreign_keys=tuple(
                        evolve(f, ref_columns=ren(f.ref_columns))
                        if f.ref_table == table.qualified else f for f in other.foreign_keys))
        elif kind == "OBJECT_INDEX":
            qualified = (_key(rel.get("schemaname"), rel.get("relname", ""))
                         if rel.get("schemaname") else self._index_key(rel.get("relname", "")))
            renamed_index = self.indexes.pop(qualified, None) if qualified else None
            if renamed_index is not None:
                index = renamed_index
                self._add_index(evolve(
                    index, name=new, constraint=new if index.constraint else None))
        elif kind == "OBJECT_TABCONSTRAINT":
            table = self._find(rel.get("schemaname"), rel.get("relname", ""))
            if table is None:
                return
            old = node.get("subname", "")
            for index in self.indexes.by_table.get(table.qualified, ()):
                if index.constraint == old:
                    del self.indexes[index.qualified]
                    self._add_index(evolve(index, name=new, constraint=new))
            self.tables[table.qualified] = evolve(table, foreign_keys=tuple(
                evolve(f, name=new) if f.name == old else f for f in table.foreign_keys))

    def _output_columns(self, query: Any) -> tuple[Column, ...]:
        """The columns a view's query produces, in order, as PostgreSQL names them."""
        select = (query or {}).get("SelectStmt") or {}
        if select.get("larg"):  # UNION …: the first branch names the columns
            return self._output_columns({"SelectStmt": select["larg"]})
        if select.get("valuesLists"):
            return tuple(Column(f"column{i + 1}", "unknown")
                         for i in range(len(select["valuesLists"][0].get("List", {})
                                            .get("items", []))))
        sources: list[tuple[str, tuple[Column, ...]]] = []
        for item in select.get("fromClause") or []:
            sources.extend(self._from_columns(item))
        out: list[Column] = []
        for target in select.get("targetList") or []:
            res = target.get("ResTarget", {})
            val = res.get("val", {})
            if res.get("name"):
                out.append(Column(res["name"], self._expr_type(val, sources)))
                continue
            fields = (val.get("ColumnRef") or {}).get("fields") or []
            if fields and "A_Star" in fields[-1]:
                alias = strval(fields[-2]) if len(fields) > 1 else None
                for name, cols in sources:
                    if alias is None or name == alias:
                        out.extend(cols)
                continue
            indirection = (val.get("A_Indirection") or {}).get("indirection") or []
            if indirection and "A_Star" in indirection[-1]:
                call = val["A_Indirection"].get("arg", {}).get("FuncCall")
                out.extend(self._function_columns(call) if call else ())
                continue
            out.append(Column(_column_name(val), self._expr_type(val, sources)))
        return tuple(out)

    def _expr_type(self, val: Any, sources: list[tuple[str, tuple[Column, ...]]]) -> str:
        """The type of an output expression as format_type prints it, where PostgreSQL's
        rule is plain: a column's own type, a cast's, a constant's, the aggregates whose
        result type follows from the argument ("unknown" for the rest)."""
        kind = next(iter(val), "") if isinstance(val, dict) else ""
        inner = val.get(kind) if kind else None
        if not isinstance(inner, dict):
            return "unknown"
        if kind == "ColumnRef":
            fields = [strval(f) for f in inner.get("fields") or [] if "String" in f]
            if not fields:
                return "unknown"
            alias = fields[-2] if len(fields) > 1 else None
            found = [c.type for name, cols in sources if alias is None or name == alias
                     for c in cols if c.name == fields[-1]]
            return found[0] if len(found) == 1 else "unknown"
        if kind == "TypeCast":
            return self._type(inner.get("typeName") or {})
        if kind == "A_Const":
            fval = inner.get("fval")
            if isinstance(fval, dict) and str(fval.get("fval", "")).isdigit():
                # an integer too large for integer: bigint while it fits, then numeric
                return "bigint" if int(fval["fval"]) < 2**63 else "numeric"
            return _CONST_TYPES.get(next((k for k in inner if k in _CONST_TYPES), ""), "unknown")
        if kind == "FuncCall" and not inner.get("over"):
            name = strval((inner.get("funcname") or [{}])[-1]).lower()
            if inner.get("agg_star") or name in _FIXED_RESULT:
                return "bigint" if inner.get("agg_star") else _FIXED_RESULT[name]
            args = inner.get("args") or []
            if name in ("max", "min") and len(args) == 1:
                arg = self._expr_type(args[0], sources)
                base = re.sub(r"\(.*?\)", "", arg).replace("  ", " ").strip()
                return "text" if base in ("character varying", "character") else base
        return "unknown"

    def _from_columns(self, item: dict[str, Any]) -> list[tuple[str, tuple[Column, ...]]]:
        """(alias, columns) of each relation a FROM item brings, for ``*`` and ``a.*``."""
        kind = next(iter(item), "")
        node = item.get(kind) or {}
        alias = node.get("alias") or {}
        renames = names(alias.get("colnames"))
        if kind == "RangeVar":
            src = self._find(node.get("schemaname"), node.get("relname", ""))
            cols = src.columns if src is not None else ()
            return [(alias.get("aliasname") or node.get("relname", ""), _renamed(cols, renames))]
        if kind == "RangeSubselect":
            cols = self._output_columns(node.get("subquery"))
            return [(alias.get("aliasname") or "", _renamed(cols, renames))]
        if kind == "RangeFunction":
            items = ((node.get("functions") or [{}])[0].get("List") or {}).get("items") or []
            call = items[0].get("FuncCall") if items else None
            cols = self._function_columns(call) if call else ()
            if call and not cols:
                cols = (Column(strval((call.get("funcname") or [{}])[-1]), "unknown"),)
            name = alias.get("aliasname") or (strval(call["funcname"][-1]) if call else "")
            return [(name, _renamed(cols, renames))]
        if kind == "JoinExpr":
            left = self._from_columns(node.get("larg") or {})
            right = self._from_columns(node.get("rarg") or {})
            using = names(node.get("usingClause"))
            if not using:
                return left + right
            merged = [c for _, cols in left for c in cols if c.name in using]
            rest = [(n, tuple(c for c in cols if c.name not in using)) for n, cols in left + right]
            return [("", tuple(merged)), *rest]
        return []

    def _function_columns(self, call: dict[str, Any]) -> tuple[Column, ...]:
        parts = names(call.get("funcname"))
        if not parts:
            return ()
        if len(parts) > 1:
            return self.functions.get(".".join(parts[-2:])) or ()
        for schema in self.path if self.path is not None else ("public",):
            found = self.functions.get(f"{schema}.{parts[-1]}")
            if found:
                return found
        return self.functions.get(parts[-1]) or ()

    def _on_CreateFunctionStmt(self, stmt: Statement, node: dict[str, Any]) -> None:
        """Keep the result columns of a function returning a row (TABLE, OUT parameters,
        a composite type or a table's row type): ``(f(x)).*`` expands to them."""
        parts = names(node.get("funcname"))
        if not parts:
            return
        self._function_path(parts[-1], node.get("options") or [])
        if node.get("is_procedure"):
            return
        out = [p["FunctionParameter"] for p in node.get("parameters") or []
               if "FunctionParameter" in p and p["FunctionParameter"].get("mode") in (
                   "FUNC_PARAM_OUT", "FUNC_PARAM_INOUT", "FUNC_PARAM_TABLE")]
        cols: tuple[Column, ...] = ()
        if len(out) > 1 or any(p.get("mode") == "FUNC_PARAM_TABLE" for p in out):
            cols = tuple(Column(p.get("name") or f"column{i + 1}",
                                self._type(p.get("argType") or {}))
                         for i, p in enumerate(out))
        elif not out and node.get("returnType"):
            rtype = node["returnType"]
            rparts = names(rtype.get("names"))
            schema = rparts[-2] if len(rparts) > 1 else None
            found = self._find_type(schema, rparts[-1]) if rparts else None
            table = self._find(schema, rparts[-1]) if rparts and found is None else None
            cols = found.columns if found is not None else (table.columns if table else ())
        schema, name = self._type_target(parts)
        if cols:
            self.functions[f"{schema}.{name}"] = cols
            self.functions[name] = cols
        else:
            self.functions.pop(f"{schema}.{name}", None)

    def _function_path(self, name: str, options: list[Any]) -> None:
        """``CREATE FUNCTION … SET search_path = …``: the path its body's queries run on."""
        for option in options:
            elem = option.get("DefElem") or {}
            setting = (elem.get("arg") or {}).get("VariableSetStmt") or {}
            if elem.get("defname") == "set" and setting.get("name") == "search_path":
                if setting.get("kind") == "VAR_SET_VALUE":
                    self.function_paths[name] = _search_path(setting.get("args") or [])
                    return
        self.function_paths.pop(name, None)

    def _on_CreateTrigStmt(self, stmt: Statement, node: dict[str, Any]) -> None:
        """Transition tables (REFERENCING NEW TABLE AS x) are tables inside the function."""
        rel = node.get("relation") or {}
        table = self._find(rel.get("schemaname"), rel.get("relname", ""))
        function = names(node.get("funcname"))
        if table is None or not function:
            return
        found = {str(t["TriggerTransition"].get("name")): table.qualified
                 for t in node.get("transitionRels") or [] if "TriggerTransition" in t}
        if found:
            self.transitions[function[-1]] = {
                **(self.transitions.get(function[-1]) or {}), **found}

    def _move_table(self, table: Table, moved: Table) -> None:
        """Rename a table or move it to another schema: its indexes (which live in its
        schema), its foreign keys, those pointing at it and its partitions follow."""
        old_key = table.qualified
        self.tables.pop(old_key)
        self._put(evolve(moved, foreign_keys=tuple(
            evolve(f, table=moved.qualified) for f in moved.foreign_keys)))
        for index in self.indexes.by_table.get(old_key, ()):
            del self.indexes[index.qualified]
            self._add_index(evolve(index, table=moved.qualified, schema=moved.schema))
        for tkey, other in list(self.tables.items()):
            if other.partition_of == old_key:
                other = evolve(other, partition_of=moved.qualified)
                self.tables[tkey] = other
            if any(f.ref_table == old_key for f in other.foreign_keys):
                self.tables[tkey] = evolve(other, foreign_keys=tuple(
                    evolve(f, ref_table=moved.qualified) if f.ref_table == old_key else f
                    for f in other.foreign_keys))

    def _on_ViewStmt(self, stmt: Statement, node: dict[str, Any]) -> None:
        schema, name = self._target(node["view"])
        self._put(Table(
            schema=schema, name=name, kind="view",
            columns=_renamed(self._output_columns(node.get("query")),
                             names(node.get("aliases"))),
            query=_query_text(stmt, node.get("query")),
            origin=self._origin(stmt, node["view"].get("location")),
        ))

    def _on_CreateTableAsStmt(self, stmt: Statement, node: dict[str, Any]) -> None:
        into = node.get("into") or {}
        rel = into.get("rel") or {}
        schema, name = self._target(rel)
        if rel.get("relpersistence") == "t":  # CREATE TEMP TABLE … AS: ends with its file
            schema = "pg_temp"
        if node.get("if_not_exists") and _key(schema, name) in self.tables:
            return
        kind: TableKind = "matview" if node.get("objtype") == "OBJECT_MATVIEW" else "table"
        self._put(Table(
            schema=schema, name=name, kind=kind,
            columns=_renamed(self._output_columns(node.get("query")),
                             names(into.get("colNames"))),
            query=_query_text(stmt, node.get("query")),
            origin=self._origin(stmt, rel.get("location")),
        ))


# A constant's type in an output column (an untyped string literal resolves to text).
_CONST_TYPES = {"ival": "integer", "fval": "numeric", "sval": "text", "boolval": "boolean",
                "isnull": "text"}
# Functions whose result type does not depend on the argument.
_FIXED_RESULT = {"count": "bigint", "bool_or": "boolean", "bool_and": "boolean",
                 "every": "boolean", "concat": "text", "now": "timestamp with time zone",
                 "length": "integer", "md5": "text"}


def _query_text(stmt: Statement, query: Any) -> str | None:
    return stmt.sql if query else None


@dataclass(frozen=True)
class _KeySpec:
    """A PRIMARY KEY or UNIQUE constraint, before it becomes an index."""

    primary: bool
    columns: tuple[str, ...]
    include: tuple[str, ...]
    method: str
    flags: tuple[bool, bool, bool]  # NULLS NOT DISTINCT, DEFERRABLE, INITIALLY DEFERRED
    name: str | None
    origin: Origin

    def same_index(self, other: _KeySpec) -> bool:
        return (self.columns, self.include, self.method, self.flags) == (
            other.columns, other.include, other.method, other.flags)


def _renamed(columns: tuple[Column, ...], aliases: list[str]) -> tuple[Column, ...]:
    """A view's column list with its leading columns renamed by ``CREATE VIEW v (a, b)``."""
    if not aliases:
        return columns
    return tuple(Column(a, "unknown") for a in aliases) + columns[len(aliases):]


def _column_name(val: dict[str, Any]) -> str:
    """The name PostgreSQL gives an unnamed output column (FigureColname)."""
    kind = next(iter(val), "") if isinstance(val, dict) else ""
    inner = val.get(kind) if kind else None
    if not isinstance(inner, dict):
        return "?column?"
    if kind == "ColumnRef":
        fields = inner.get("fields") or []
        return strval(fields[-1]) if fields and "String" in fields[-1] else "?column?"
    if kind == "A_Indirection":
        for item in reversed(inner.get("indirection") or []):
            if "String" in item:
                return strval(item)
        return _column_name(inner.get("arg") or {})
    if kind == "FuncCall":
        return strval((inner.get("funcname") or [{}])[-1])
    if kind == "TypeCast":
        name = _column_name(inner.get("arg") or {})
        if name == "?column?":
            parts = names((inner.get("typeName") or {}).get("names"))
            name = parts[-1] if parts else name
        return name
    if kind == "CollateClause":
        return _column_name(inner.get("arg") or {})
    if kind == "CaseExpr":
        return "case"
    if kind == "CoalesceExpr":
        return "coalesce"
    if kind == "MinMaxExpr":
        return "greatest" if inner.get("op") == "IS_GREATEST" else "least"
    if kind == "NullIfExpr" or (kind == "A_Expr" and inner.get("kind") == "AEXPR_NULLIF"):
        return "nullif"
    if kind == "RowExpr":
        return "row"
    if kind == "A_ArrayExpr":
        return "array"
    if kind == "SQLValueFunction":
        return SQL_VALUE_FUNCTION_NAMES.get(str(inner.get("op")), "?column?")
    if kind == "SubLink":
        link = inner.get("subLinkType")
        if link == "EXISTS_SUBLINK":
            return "exists"
        if link == "ARRAY_SUBLINK":
            return "array"
        if link == "EXPR_SUBLINK":
            sub = (inner.get("subselect") or {}).get("SelectStmt") or {}
            targets = sub.get("targetList") or []
            if targets:
                res = targets[0].get("ResTarget", {})
                return str(res.get("name") or _column_name(res.get("val") or {}))
    return "?column?"


def _key_of(stmt: Statement, table: Table, elem: dict[str, Any]) -> IndexKey:
    """One key of CREATE INDEX or EXCLUDE: column or expression, direction, operator class
    and collation (kept only when it differs from the column's own)."""
    desc = elem.get("ordering") == "SORTBY_DESC"
    opclass = ".".join(names(elem.get("opclass"))) or None
    collation: str | None = (names(elem.get("collation")) or [""])[-1] or None
    column = elem.get("name")
    expr = elem.get("expr")
    if column is None and expr is not None:
        column = _bare_column(expr)  # `((col))` is just the column
    if column is not None:
        col = table.column(column)
        if collation is not None and col is not None and col.collation == collation:
            collation = None
        return IndexKey(column=column, descending=desc, opclass=opclass, collation=collation)
    if expr is None:
        return IndexKey(column=None, expression="", expr="", descending=desc)
    if collation == "default":
        collation = None
    return IndexKey(column=None, expression=deparse_expr_node(stmt.sql, expr),
                    expr=canonical(expr), descending=desc, opclass=opclass,
                    collation=collation)


def _name_part(key: IndexKey) -> str:
    """The word PostgreSQL puts in a default index name for this key."""
    if key.column is not None:
        return key.column
    text = key.expression or "expr"
    func = text.split("(")[0].strip() if "(" in text else "expr"
    return func if func.isidentifier() else "expr"


def _bare_column(expr: dict[str, Any]) -> str | None:
    ref = expr.get("ColumnRef")
    if ref and len(ref.get("fields", [])) == 1 and "String" in ref["fields"][0]:
        return strval(ref["fields"][0])
    return None


def _mentions(index: Index, column: str) -> bool:
    needle = f'"sval":"{column}"'
    return any(k.expr and needle in k.expr for k in index.keys) or bool(
        index.predicate_key and needle in index.predicate_key)


_MAX_NAME = 63  # NAMEDATALEN - 1 bytes


def _clip(text: str, size: int) -> str:
    return text.encode("utf-8")[:size].decode("utf-8", errors="ignore")


def _object_name(name1: str, name2: str | None, label: str | None) -> str:
    """PostgreSQL's makeObjectName: ``name1_name2_label`` in 63 bytes, the longer of
    name1 and name2 shortened first, the label kept whole."""
    overhead = (len(label) + 1 if label else 0) + (1 if name2 else 0)
    n1, n2 = len(name1.encode("utf-8")), len(name2.encode("utf-8")) if name2 else 0
    while n1 + n2 > _MAX_NAME - overhead:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    out = _clip(name1, n1)
    if name2:
        out += "_" + _clip(name2, n2)
    return out + ("_" + label if label else "")


def _addition(keys: tuple[IndexKey, ...] | list[IndexKey]) -> str:
    """ChooseIndexNameAddition: the key names joined by ``_``, cut once past 63 bytes."""
    out = ""
    for key in keys:
        if out:
            out += "_"
        out += _clip(_name_part(key), _MAX_NAME)
        if len(out.encode("utf-8")) >= _MAX_NAME + 1:
            break
    return out


def build_catalog(statements: list[Statement],
                  search_path: tuple[str, ...] | None = None) -> Catalog:
    """The catalog after applying every statement in order."""
    builder = CatalogBuilder(search_path)
    for stmt in statements:
        builder.apply(stmt)
    return builder.snapshot()
