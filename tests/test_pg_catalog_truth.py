"""pg_catalog_truth reads back, from a real server, exactly what a known schema declares."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests import pg_catalog_truth as truth

if TYPE_CHECKING:
    import psycopg

SCHEMA = """
-- intarray adds int[] @> int[] to public: the truth queries must not see it.
CREATE EXTENSION intarray;
-- Its views in public are the extension's, not the schema's: never listed.
CREATE EXTENSION pg_stat_statements;
CREATE SCHEMA app;
CREATE TYPE app.mood AS ENUM ('calm', 'busy');
CREATE TABLE app."Orgs" (id int PRIMARY KEY, name text);
CREATE TABLE app.teams (org_id int, id int, label text, PRIMARY KEY (org_id, id),
                        mood app.mood, code text COLLATE "C");
CREATE INDEX teams_label_c ON app.teams (label COLLATE "C");  -- other collation: not a dup
CREATE INDEX teams_label ON app.teams (label);
CREATE INDEX teams_code ON app.teams (code);                  -- the column's own collation
CREATE INDEX teams_code_posix ON app.teams (code COLLATE "POSIX");

CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email varchar(200) NOT NULL CONSTRAINT users_email_key UNIQUE,
    org_id int CONSTRAINT users_org_fk REFERENCES app."Orgs" (id),
    team_id int,
    nickname text,
    deleted_at timestamptz,
    FOREIGN KEY (org_id, team_id) REFERENCES app.teams (org_id, id)
);
ALTER TABLE users DROP COLUMN nickname;
-- FK (org_id, team_id) is covered (any order); FK (org_id) alone is not: org_id is 2nd.
CREATE INDEX users_team_org_idx ON users (team_id, org_id, deleted_at DESC) INCLUDE (email)
    WHERE deleted_at IS NULL;
CREATE INDEX users_lower_email_idx ON users (lower(email));
CREATE INDEX users_email_pattern_idx ON users (email text_pattern_ops);  -- other opclass
CREATE INDEX users_id_dup ON users (id);                -- identical to the primary key

CREATE TABLE orders (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id bigint NOT NULL REFERENCES users,
    shop_id int,
    status text,
    total numeric(10, 2),
    tags text[],
    created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE orders ADD FOREIGN KEY (shop_id) REFERENCES app."Orgs";   -- no index
CREATE INDEX orders_user_idx ON orders (user_id);                     -- prefix
CREATE INDEX orders_user_created_idx ON orders (user_id, created_at DESC);
CREATE INDEX orders_status_shop_idx ON orders (status, shop_id);
CREATE INDEX orders_status_a ON orders (status);                      -- prefix
CREATE INDEX orders_status_b ON orders (status);                      -- duplicate of _a
CREATE INDEX orders_status_hash ON orders USING hash (status);        -- other method
CREATE INDEX orders_open_idx ON orders (created_at) WHERE status = 'open';        -- prefix
CREATE INDEX orders_open_user_idx ON orders (created_at, user_id) WHERE status = 'open';
CREATE INDEX orders_closed_idx ON orders (created_at) WHERE status = 'closed';    -- other pred
CREATE INDEX orders_created_brin ON orders USING brin (created_at);
CREATE UNIQUE INDEX orders_total_uq ON orders (total);   -- unique: not redundant as a prefix
CREATE INDEX orders_total_idx ON orders (total);         -- duplicate of the unique one
CREATE INDEX orders_total_tags_idx ON orders (total, tags);
CREATE INDEX orders_tags_gin ON orders USING gin (tags);

CREATE TABLE bookings (
    room int PRIMARY KEY,
    during tstzrange NOT NULL,
    CONSTRAINT bookings_no_overlap EXCLUDE USING gist (during WITH &&)
);
-- Two constraints, one column: neither index is reported. (Declared inside CREATE TABLE,
-- PostgreSQL would keep a single index, named bookings_room_key, as the primary key.)
ALTER TABLE bookings ADD CONSTRAINT bookings_room_key UNIQUE (room);
CREATE INDEX bookings_during_idx ON bookings USING gist (during);   -- same as the EXCLUDE's

CREATE TABLE events (
    id bigint NOT NULL,
    user_id bigint REFERENCES users (id),
    created_at timestamptz NOT NULL,
    payload jsonb
) PARTITION BY RANGE (created_at);
CREATE TABLE events_2024 PARTITION OF events
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE INDEX events_user_created_idx ON events (user_id, created_at);
CREATE INDEX events_payload_idx ON events USING gin (payload jsonb_path_ops);

CREATE VIEW active_users AS SELECT id, email FROM users WHERE deleted_at IS NULL;
CREATE MATERIALIZED VIEW order_totals AS
    SELECT user_id, sum(total) AS total FROM orders GROUP BY user_id;
CREATE UNIQUE INDEX order_totals_user_idx ON order_totals (user_id);
"""


@pytest.fixture
def db(pg_db: psycopg.Connection) -> psycopg.Connection:
    pg_db.execute(SCHEMA)  # type: ignore[arg-type]
    return pg_db


def test_tables(db: psycopg.Connection) -> None:
    assert truth.tables(db) == [
        ("app", "Orgs", "r"),
        ("app", "teams", "r"),
        ("public", "active_users", "v"),
        ("public", "bookings", "r"),
        ("public", "events", "p"),
        ("public", "events_2024", "r"),
        ("public", "order_totals", "m"),
        ("public", "orders", "r"),
        ("public", "users", "r"),
    ]
    assert truth.partitions(db) == [("public.events_2024", "public.events")]


def test_columns(db: psycopg.Connection) -> None:
    tz = "timestamp with time zone"
    assert truth.columns(db) == [
        ("app.Orgs", "id", "integer", True),
        ("app.Orgs", "name", "text", False),
        ("app.teams", "org_id", "integer", True),
        ("app.teams", "id", "integer", True),
        ("app.teams", "label", "text", False),
        ("app.teams", "mood", "app.mood", False),
        ("app.teams", "code", "text", False),
        ("public.active_users", "id", "bigint", False),
        ("public.active_users", "email", "character varying(200)", False),
        ("public.bookings", "room", "integer", True),
        ("public.bookings", "during", "tstzrange", True),
        ("public.events", "id", "bigint", True),
        ("public.events", "user_id", "bigint", False),
        ("public.events", "created_at", tz, True),
        ("public.events", "payload", "jsonb", False),
        ("public.events_2024", "id", "bigint", True),
        ("public.events_2024", "user_id", "bigint", False),
        ("public.events_2024", "created_at", tz, True),
        ("public.events_2024", "payload", "jsonb", False),
        ("public.order_totals", "user_id", "bigint", False),
        ("public.order_totals", "total", "numeric", False),
        ("public.orders", "id", "uuid", True),
        ("public.orders", "user_id", "bigint", True),
        ("public.orders", "shop_id", "integer", False),
        ("public.orders", "status", "text", False),
        ("public.orders", "total", "numeric(10,2)", False),
        ("public.orders", "tags", "text[]", False),
        ("public.orders", "created_at", tz, True),
        ("public.users", "id", "bigint", True),
        ("public.users", "email", "character varying(200)", True),
        ("public.users", "org_id", "integer", False),
        ("public.users", "team_id", "integer", False),
        ("public.users", "deleted_at", tz, False),
    ]


def _ix(
    table: str,
    name: str,
    keys: tuple[str, ...],
    *,
    desc: tuple[bool, ...] | None = None,
    opclasses: tuple[str | None, ...] | None = None,
    collations: tuple[str | None, ...] | None = None,
    predicate: str | None = None,
    include: tuple[str, ...] = (),
    method: str = "btree",
    unique: bool = False,
    primary: bool = False,
    constraint: str | None = None,
) -> truth.IndexTruth:
    return truth.IndexTruth(
        table,
        name,
        keys,
        desc or (False,) * len(keys),
        opclasses or (None,) * len(keys),
        collations or (None,) * len(keys),
        predicate,
        include,
        method,
        unique or primary,
        primary,
        constraint,
    )


def test_indexes(db: psycopg.Connection) -> None:
    o, u = "public.orders", "public.users"
    open_ = "(status = 'open'::text)"
    assert truth.indexes(db) == [
        _ix("app.Orgs", "Orgs_pkey", ("id",), primary=True, constraint="Orgs_pkey"),
        _ix("app.teams", "teams_code", ("code",)),
        _ix("app.teams", "teams_code_posix", ("code",), collations=("POSIX",)),
        _ix("app.teams", "teams_label", ("label",)),
        _ix("app.teams", "teams_label_c", ("label",), collations=("C",)),
        _ix("app.teams", "teams_pkey", ("org_id", "id"), primary=True, constraint="teams_pkey"),
        _ix("public.bookings", "bookings_during_idx", ("during",), method="gist"),
        _ix(
            "public.bookings",
            "bookings_no_overlap",
            ("during",),
            method="gist",
            constraint="bookings_no_overlap",
        ),
        _ix(
            "public.bookings", "bookings_pkey", ("room",), primary=True, constraint="bookings_pkey"
        ),
        _ix(
            "public.bookings",
            "bookings_room_key",
            ("room",),
            unique=True,
            constraint="bookings_room_key",
        ),
        # The partition's copies (events_2024_*) are left out.
        _ix(
            "public.events",
            "events_payload_idx",
            ("payload",),
            method="gin",
            opclasses=("jsonb_path_ops",),
        ),
        _ix("public.events", "events_user_created_idx", ("user_id", "created_at")),
        _ix("public.order_totals", "order_totals_user_idx", ("user_id",), unique=True),
        _ix(o, "orders_closed_idx", ("created_at",), predicate="(status = 'closed'::text)"),
        _ix(o, "orders_created_brin", ("created_at",), method="brin"),
        _ix(o, "orders_open_idx", ("created_at",), predicate=open_),
        _ix(o, "orders_open_user_idx", ("created_at", "user_id"), predicate=open_),
        _ix(o, "orders_pkey", ("id",), primary=True, constraint="orders_pkey"),
        _ix(o, "orders_status_a", ("status",)),
        _ix(o, "orders_status_b", ("status",)),
        _ix(o, "orders_status_hash", ("status",), method="hash"),
        _ix(o, "orders_status_shop_idx", ("status", "shop_id")),
        _ix(o, "orders_tags_gin", ("tags",), method="gin"),
        _ix(o, "orders_total_idx", ("total",)),
        _ix(o, "orders_total_tags_idx", ("total", "tags")),
        _ix(o, "orders_total_uq", ("total",), unique=True),
        _ix(o, "orders_user_created_idx", ("user_id", "created_at"), desc=(False, True)),
        _ix(o, "orders_user_idx", ("user_id",)),
        _ix(u, "users_email_key", ("email",), unique=True, constraint="users_email_key"),
        _ix(u, "users_email_pattern_idx", ("email",), opclasses=("text_pattern_ops",)),
        _ix(u, "users_id_dup", ("id",)),
        _ix(u, "users_lower_email_idx", ("lower(email::text)",)),
        _ix(u, "users_pkey", ("id",), primary=True, constraint="users_pkey"),
        _ix(
            u,
            "users_team_org_idx",
            ("team_id", "org_id", "deleted_at"),
            desc=(False, False, True),
            predicate="(deleted_at IS NULL)",
            include=("email",),
        ),
    ]


def test_enums(db: psycopg.Connection) -> None:
    assert truth.enums(db) == [("app.mood", ("calm", "busy"))]


def test_foreign_keys(db: psycopg.Connection) -> None:
    assert truth.foreign_keys(db) == [
        # Declared on the partitioned parent only; the partition's copy is left out.
        ("public.events", ("user_id",), "public.users", ("id",)),
        ("public.orders", ("shop_id",), "app.Orgs", ("id",)),
        ("public.orders", ("user_id",), "public.users", ("id",)),
        ("public.users", ("org_id",), "app.Orgs", ("id",)),
        ("public.users", ("org_id", "team_id"), "app.teams", ("org_id", "id")),
    ]


def test_uncovered_foreign_keys(db: psycopg.Connection) -> None:
    assert truth.uncovered_foreign_keys(db) == [
        ("public.orders", ("shop_id",), "app.Orgs", ("id",)),  # only 2nd in an index
        ("public.users", ("org_id",), "app.Orgs", ("id",)),  # 2nd in users_team_org_idx
        # Leads users_team_org_idx, but that index is partial (deleted_at IS NULL): the
        # FK check's generic plan cannot use it.
        ("public.users", ("org_id", "team_id"), "app.teams", ("org_id", "id")),
    ]


def test_redundant_indexes(db: psycopg.Connection) -> None:
    assert truth.redundant_indexes(db) == [
        # Identical to the EXCLUDE constraint's index.
        ("public.bookings", "bookings_during_idx", "bookings_no_overlap"),
        ("public.orders", "orders_open_idx", "orders_open_user_idx"),  # same predicate
        ("public.orders", "orders_status_a", "orders_status_shop_idx"),
        ("public.orders", "orders_status_b", "orders_status_a"),  # later of two duplicates
        ("public.orders", "orders_total_idx", "orders_total_uq"),  # unique one wins
        ("public.orders", "orders_user_idx", "orders_user_created_idx"),
        ("public.users", "users_id_dup", "users_pkey"),
    ]
