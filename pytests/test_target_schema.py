"""The target schema's structure: every constraint under PostgreSQL's
default name (or the name the source gives)."""

from __future__ import annotations

from conftest import query

# names the source gives explicitly; every other constraint has PostgreSQL's default name
EXPLICIT_NAMES = {
    "supplier_must_have_parent", "super_admin_oraseas_only", "fk_users_invited_by_user_id",
    "_org_warehouse_name_uc", "_warehouse_part_uc", "alembic_version_pkc",
}
LABELS = {"p": "pkey", "u": "key", "f": "fkey", "n": "not_null"}


def default_name(table: str, columns: list[str], contype: str) -> str:
    """PostgreSQL's name for an unnamed constraint (makeObjectName(): shortened to 63 characters)."""
    label = LABELS[contype]
    addition = None if contype == "p" else "_".join(columns)
    available = 63 - len(label) - 1 - (1 if addition else 0)
    name1, name2 = len(table), len(addition or "")
    while name1 + name2 > available:
        if name1 > name2:
            name1 -= 1
        else:
            name2 -= 1
    return "_".join(p for p in (table[:name1], addition[:name2] if addition else None, label) if p)


def test_every_constraint_has_postgresql_default_name_or_the_name_the_source_gives(built_minimal):
    constraints = query(built_minimal, """
        select c.relname, con.conname, con.contype,
            array(select a.attname::text from unnest(con.conkey) with ordinality as k (attnum, n)
                  join pg_attribute as a on a.attrelid = con.conrelid and a.attnum = k.attnum order by k.n) as columns
        from pg_constraint as con join pg_class as c on c.oid = con.conrelid
        where con.connamespace = 'public_next'::regnamespace""")
    misnamed = [(r["relname"], r["conname"]) for r in constraints
                if r["conname"] not in EXPLICIT_NAMES
                and (r["contype"] not in LABELS
                     or r["conname"] != default_name(r["relname"], r["columns"], r["contype"]))]
    assert misnamed == []
