"""What lives around the legacy tables, read from the catalog, and what the swap does with each.

A schema swap treats what surrounds the swapped tables in different ways: whatever is bound to a
table by its oid (a view, a foreign key, a trigger, a policy, an index, a default, a comment, a
publication) follows it out of the live schema into the archive; a function whose body names a
table finds whatever table has that name when it runs. So the inventory reads, from the catalog:

- every object of the live schema that is not a swapped table (the SQL: harness/sql/surroundings/);
- every object anywhere that depends on a swapped table (pg_depend: views and materialized views
  through their rules, foreign keys, SQL-standard function bodies, policies), and every function
  whose source has a legacy table's name as a word (a warning, never proof);
- on the legacy side, what is on the legacy tables beyond what the legacy schema made
  (harness/common/legacy.py): integrity rules, triggers, defaults, comments, indexes, policies,
  rules, statistics, publications.

and says what the swap does with each (`Item.action`):

  carry        the application's own tables, and every object of the live schema they (or the
               application's other objects) need: sequences, types, domains, functions, views
               over them. Moved into the new live schema inside the swap, and back at a rollback.
  with_table   a sequence owned by a carried table's column: ALTER TABLE moves it along.
  stays        an object only the swapped tables use (a function of their defaults): it stays
               with them.
  extension    moves with the live schema where the role may move it (swap.move_extensions).
  dependant    bound to a swapped table from outside it (a view, a foreign key, a BEGIN ATOMIC
               function, a policy), or a view of the live schema over one: after the swap it would
               read the archive. Refuses the swap unless the DBA's SQL (--after-swap /
               --after-rollback) recreates it, which the swap then verifies.
  rule         an integrity rule on a legacy table that the target lacks (a unique or exclusion
               index, a CHECK, a NOT NULL the DBA added): refuses unless the after-swap SQL
               recreates it on the new table or --drop-rule names it.
  dropped      such a rule, named by --drop-rule.
  has          such a rule the target has too.
  not_carried  on a legacy table, with no place on the new one: it stays on the legacy table.
  warning      a function whose source may name a legacy table.
  collision    a carried object whose name the incoming schema already has: refuses the swap.

Two sides: a cutover reads the legacy side (the live schema holds the legacy tables; `carried`
None: the application's objects are found); a rollback reads the target side, where the live
schema holds the target's tables and the objects the cutover carried (`carried`: its record).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from psycopg2 import sql

from harness.common import legacy, sqlfiles
from harness.common.errors import UsageError
from harness.db import capture, privileges
from harness.db import connection as db

CARRY, WITH_TABLE, STAYS, EXTENSION = "carry", "with_table", "stays", "extension"
DEPENDANT, RULE, DROPPED, HAS, NOT_CARRIED, WARNING, COLLISION = (
    "dependant",
    "rule",
    "dropped",
    "has",
    "not_carried",
    "warning",
    "collision",
)
REFUSING = (COLLISION, DEPENDANT, RULE)  # the only kinds that refuse a swap
HARNESS_TRIGGERS = (
    capture.TRIGGER,
    capture.TRUNCATE_TRIGGER,
    capture.READ_ONLY_TRIGGER,
    capture.READ_ONLY_TRUNCATE_TRIGGER,
)
RULE_TYPES = ("unique index", "exclusion index", "check", "not null")
WHOLE_VIA = ("pg_rewrite", "pg_class", "pg_proc", "pg_type")  # a dependency of the object itself, not a part
NOT_CARRIED_TYPES = ("index", "default", "comment", "trigger", "policy", "rule", "statistics", "publication")
_TRANSACTION_COMMANDS = ("begin", "commit", "rollback", "end", "abort", "savepoint", "release")


@dataclass
class Item:
    """One object around the swapped tables and what the swap does with it."""

    object: str  # reporting.v_stock, crm.notes.notes_user_id_fkey, users_email_lower_key on public.users
    type: str  # view, foreign key, unique index, table, sequence, function, ...
    action: str
    cutover: str  # what the swap does with it, in words
    on: str = ""  # the swapped tables it is on or depends on
    definition: str = ""  # as it is now, for the DBA to write it again
    name: str = ""  # a rule's name (--drop-rule NAME); an object's name in its schema
    schema: str = ""
    classid: str = ""  # a carried or dependent object's catalog and oid
    oid: int = 0
    kind: str = ""  # what ALTER ... SET SCHEMA moves a carried object as
    columns: list[str] = field(default_factory=list)  # a rule's columns
    comparable: str = ""  # a rule's definition without its name and table

    def row(self) -> dict:
        """The item as the plan, status and the report show it."""
        shown = {"object": self.object, "type": self.type, "on": self.on, "cutover": self.cutover}
        if self.action in (DEPENDANT, RULE, WARNING) and self.definition:
            shown["definition"] = one_line(self.definition)
        return shown

    def line(self) -> str:
        """One line of a refusal: the object, what it is on, and its definition now."""
        on = f" on {self.on}" if self.on else ""
        now = f": {one_line(self.definition)}" if self.definition else ""
        return f"{self.type} {self.object}{on}{now}"


@dataclass
class Surroundings:
    live: str
    side: str  # legacy (what a cutover reads) | target (a rollback)
    items: list[Item] = field(default_factory=list)
    read_ms: float = 0.0
    bound: set = field(default_factory=set)  # (catalog, oid) of the live schema's objects over the swapped tables
    signature: tuple = ()  # of the catalog it was read from (signature()): the same signature, the same inventory

    def of(self, *actions: str) -> list[Item]:
        return [item for item in self.items if item.action in actions]

    @property
    def carried(self) -> list[Item]:
        return self.of(CARRY)

    def refusals(self, *, with_sql: bool) -> list[Item]:
        """What refuses the swap before it changes anything: a name collision always; a dependant or an
        integrity rule the target lacks when no DBA's SQL is given to handle them (with one, the swap
        runs it and verifies, `unsettled`)."""
        return self.of(COLLISION) if with_sql else self.of(*REFUSING)

    def record(self) -> list[dict]:
        """What a rollback needs of the cutover's carry: each object's catalog, oid and kind."""
        return [{"object": i.object, "classid": i.classid, "oid": i.oid, "kind": i.kind} for i in self.carried]

    def to_dict(self) -> list[dict]:
        return [item.row() for item in self.items]


@dataclass(frozen=True)
class DbaSql:
    """The DBA's SQL run inside the swap's transaction (--after-swap, --after-rollback)."""

    path: str
    sql: str

    @classmethod
    def load(cls, path: str | Path | None, option: str) -> DbaSql | None:
        if path is None:
            return None
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as unreadable:
            raise UsageError(f"{option} {path}: cannot read it ({unreadable.strerror})") from None
        if not text.strip():
            raise UsageError(f"{option} {path} is empty: it holds no SQL to run inside the swap")
        control = transaction_control(text)
        if control:
            raise UsageError(
                f"{option} {path} has a transaction command ({control}): it runs inside the swap's transaction, "
                "which commits or rolls back as one; leave BEGIN, COMMIT, ROLLBACK and SAVEPOINT out"
            )
        return cls(str(path), text)


def transaction_control(text: str) -> str | None:
    """The first statement of `text` that would end or split the transaction it runs in (comments,
    strings and dollar-quoted bodies left out; a BEGIN ATOMIC body's semicolons end no statement,
    as psql reads them)."""
    code = re.sub(r"--[^\n]*|/\*.*?\*/", " ", text, flags=re.S)
    code = re.sub(r"(\$\w*\$).*?\1|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"", " x ", code, flags=re.S)
    statement: list[str] = []
    depth = 0
    for token in re.findall(r"\w+|;", code.lower()):
        if token == ";":
            if depth == 0:
                if statement and statement[0] in _TRANSACTION_COMMANDS:
                    return statement[0]
                statement = []
            continue
        if not statement:
            statement.append(token)
            continue
        if statement[0] in _TRANSACTION_COMMANDS:
            return statement[0]
        if len(statement) == 1 and (statement[0], token) in (("start", "transaction"), ("prepare", "transaction")):
            return f"{statement[0]} {token}"
        if statement[0] == "create" and token == "begin":
            depth += 1
        elif depth and token == "case":
            depth += 1
        elif depth and token == "end":
            depth -= 1
        statement.append(token)
    if statement and statement[0] in _TRANSACTION_COMMANDS:
        return statement[0]
    return None


def one_line(text: str) -> str:
    return " ".join(text.split())


def _rows(cur, name: str, params: dict) -> list[dict]:
    return db.fetch_all(cur, sqlfiles.read(f"surroundings/{name}.sql"), params)


def _key(classid: str, oid: int) -> tuple[str, int]:
    return (classid, int(oid))


def read(
    cur,
    live: str,
    *,
    incoming: str | None = None,
    carried: list[dict] | None = None,
    drop_rules: tuple[str, ...] = (),
) -> Surroundings:
    """The inventory around the swapped tables of `live` (the module docstring). incoming: the schema
    that takes its place (its names and, on the legacy side, its tables' rules are compared);
    carried: None on the legacy side, the cutover's record on the target side; drop_rules: the
    rules --drop-rule names."""
    started = time.perf_counter()
    if incoming and not db.schema_exists(cur, incoming):
        incoming = None
    side = "legacy" if carried is None else "target"
    around = Surroundings(live=live, side=side, signature=signature(cur, live))
    objects = {_key(o["classid"], o["oid"]): o for o in _rows(cur, "objects", {"schema": live})}
    relations = {k: o for k, o in objects.items() if k[0] == "pg_class"}
    tables = {k for k, o in relations.items() if o["kind"] in ("table", "foreign table")}
    if carried is None:
        swapped = {k for k in tables if _bare(objects[k]["identity"], live) in legacy.LEGACY_TABLES}
    else:
        swapped = tables - {_key(c["classid"], c["oid"]) for c in carried}
    owned = {k: o["owned_by"] for k, o in relations.items() if o["owned_by"] is not None}
    wholes = {k for k, o in objects.items() if o["kind"] != "extension" and k not in owned and k not in swapped}
    edges = _rows(cur, "dependencies", {"schemas": [live]})
    bound = _bound(edges, swapped, wholes - tables)
    around.bound = bound
    if carried is None:
        carry = _carry(edges, swapped, wholes - bound, tables)
    else:
        kept = {_key(c["classid"], c["oid"]) for c in carried}
        carry = {k for k in wholes if k in kept}
    into = f"the new {live}"
    for key in sorted(carry, key=lambda k: objects[k]["identity"]):
        o = objects[key]
        around.items.append(
            Item(
                o["identity"],
                o["kind"],
                CARRY,
                f"carried: moves into {into} in the swap's transaction"
                + (" (and back at a rollback)" if side == "legacy" else ""),
                schema=live,
                classid=key[0],
                oid=key[1],
                kind=o["kind"],
                name=_bare(o["identity"], live),
            )
        )
    for key, table in sorted(owned.items(), key=lambda kv: objects[kv[0]]["identity"]):
        if _key("pg_class", table) in carry:
            around.items.append(
                Item(objects[key]["identity"], "sequence", WITH_TABLE, "moves with its table", schema=live)
            )
    if side == "legacy":
        for key in sorted(wholes - bound - carry - tables, key=lambda k: objects[k]["identity"]):
            o = objects[key]
            around.items.append(
                Item(o["identity"], o["kind"], STAYS, "stays with the legacy tables in the archive (they use it)")
            )
        for o in sorted(objects.values(), key=lambda o: o["identity"]):
            if o["kind"] == "extension":
                around.items.append(
                    Item(
                        o["identity"],
                        "extension",
                        EXTENSION,
                        "moves with the live schema where the role may move it, else stays with the legacy schema",
                    )
                )
    around.items += _dependants(cur, edges, swapped, bound, live, side, incoming)
    if side == "legacy":
        around.items += _on_legacy_tables(cur, live, swapped, objects, incoming, drop_rules)
        around.items += _warnings(cur, live, around.items)
        around.items += _publications_of_schema(cur, live)
    if incoming:
        around.items += _collisions(cur, incoming, [objects[k] for k in carry], objects)
    around.read_ms = (time.perf_counter() - started) * 1000
    return around


def signature(cur, live: str) -> tuple:
    """The catalog the inventory of `live` is read from, summed up in one cheap query (what the swap
    checks under its locks instead of reading it all again)."""
    cur.execute(sqlfiles.read("surroundings/signature.sql"), {"schema": live})
    return tuple(cur.fetchone())


def _bare(identity: str, schema: str) -> str:
    """An identity without its schema (the live schema's names are plain identifiers)."""
    return identity[len(schema) + 1 :] if identity.startswith(schema + ".") else identity


def _bound(edges: list[dict], swapped: set, candidates: set) -> set:
    """The objects of the live schema (not tables) that depend on a swapped table, directly or through
    another such object: they are not carried, they are dependants."""
    bound: set = set()
    changed = True
    while changed:
        changed = False
        for e in edges:
            source, target = _key(e["from_class"], e["from_oid"]), _key(e["to_class"], e["to_oid"])
            if source in candidates and source not in bound and (target in swapped or target in bound):
                bound.add(source)
                changed = True
    return bound


def _reach(edges: list[dict], start: set, within: set) -> set:
    """The objects of `within` that `start` depends on, through objects of `within`."""
    found: set = set()
    frontier = set(start)
    while frontier:
        step = set()
        for e in edges:
            source, target = _key(e["from_class"], e["from_oid"]), _key(e["to_class"], e["to_oid"])
            if source in frontier and target in within and target not in found:
                step.add(target)
        found |= step
        frontier = step
    return found


def _carry(edges: list[dict], swapped: set, candidates: set, tables: set) -> set:
    """On the legacy side, what comes along: the application's tables, always; every other object of
    the live schema that is not bound to the legacy tables and is not there for them alone; and
    whatever those need."""
    for_legacy = _reach(edges, swapped, candidates)
    roots = (candidates - for_legacy) | (candidates & tables)
    return roots | _reach(edges, roots, candidates)


def _definitions(cur, wanted: list[tuple[str, int]]) -> dict[tuple[str, int], str]:
    """Definitions with every name schema-qualified (search_path empty while they are read)."""
    if not wanted:
        return {}
    cur.execute("select current_setting('search_path')")
    (saved,) = cur.fetchone()
    cur.execute("select set_config('search_path', '', true)")
    try:
        rows = _rows(cur, "definitions", {"classes": [c for c, _ in wanted], "oids": [o for _, o in wanted]})
    finally:
        cur.execute("select set_config('search_path', %s, true)", (saved,))
    return {_key(r["classid"], r["oid"]): r["definition"] for r in rows}


def _part(e: dict) -> tuple[str, str]:
    """The part of an object that depends (a constraint, a policy, a trigger, a column default), as
    (its name, its type), from pg_describe_object's words."""
    via = e["via"]
    if e["via_class"] == "pg_attrdef":
        column = re.search(r"for column (.+) of ", via)
        return f"{column.group(1) if column else '?'} default", "column default"
    words = via.split(" on ")[0].split(" ")
    return " ".join(words[1:]) or via, words[0]


def _dependants(cur, edges, swapped, bound, live, side, incoming) -> list[Item]:
    """One item per object that depends on a swapped table or a bound object: named after the part
    that does (a foreign key, a policy), else the whole object (a view, a function). A view or
    function of the live schema whose name the incoming schema has too is replaced by that one."""
    found: dict[tuple[str, int], dict] = {}
    for e in edges:
        source, target = _key(e["from_class"], e["from_oid"]), _key(e["to_class"], e["to_oid"])
        if source in swapped or not (target in swapped or target in bound):
            continue
        if e["via_class"] == "pg_publication_rel":
            continue  # listed with what is on the legacy table (not carried), never a refusal
        whole = e["via_class"] in WHOLE_VIA
        key = source if whole else _key(e["via_class"], e["via_oid"])
        entry = found.setdefault(key, {"edge": e, "whole": whole, "on": set()})
        entry["on"].add(e["to_identity"])
    definitions = _definitions(cur, list(found))
    swap, flag, tables = (
        ("the cutover", "--after-swap", "the legacy tables")
        if side == "legacy"
        else ("a rollback", "--after-rollback", "the target's tables")
    )
    items = []
    for key, entry in sorted(found.items(), key=lambda kv: (kv[1]["edge"]["from_identity"], kv[1]["edge"]["via"])):
        e = entry["edge"]
        definition = definitions.get(key, "")
        if entry["whole"]:
            what, kind = e["from_identity"], e["from_type"]
        else:
            part, kind = _part(e)
            what = f"{e['from_identity']}.{part}"
            if kind == "constraint" and definition.startswith("FOREIGN KEY"):
                kind = "foreign key"
        item = Item(
            what,
            kind,
            DEPENDANT,
            f"refuses {swap}: bound to {tables}, it would follow them out of {live}; recreate or re-point it "
            f"with {flag} FILE",
            on=", ".join(sorted(entry["on"])),
            definition=definition,
            schema=e["from_schema"] or "",
            classid=key[0],
            oid=key[1],
        )
        if e["from_schema"] == live and entry["whole"]:
            item.name = _bare(e["from_identity"], live)
            if incoming and _exists_in(cur, incoming, item):
                item.action = STAYS
                item.cutover = f"stays with {tables}; {incoming} has its own {item.name}, which takes its place"
            else:
                item.cutover = (
                    f"refuses {swap}: it reads {tables} and would stay with them, out of {live}; recreate it in "
                    f"{live} with {flag} FILE (or drop it first)"
                )
        items.append(item)
    return items


def _on_legacy_tables(cur, live, swapped, objects, incoming, drop_rules) -> list[Item]:
    """What is on the legacy tables beyond what the legacy schema made: rules and what is not carried."""
    found = _rows(cur, "on_tables", {"tables": [oid for _, oid in swapped], "harness_triggers": list(HARNESS_TRIGGERS)})
    target = _target_tables(cur, incoming, {r["table_name"] for r in found}) if incoming else None
    items = []
    for r in found:
        table, kind, name = r["table_name"], r["type"], r["name"]
        on = f"{live}.{table}"
        if kind == "column":
            if r["comparable"] == "true" and name in legacy.LEGACY_NULLABLE.get(table, ()):
                rule = Item(
                    f"{table}.{name}",
                    "not null",
                    RULE,
                    "",
                    on=on,
                    name=f"{table}_{name}_not_null",
                    definition=f"alter table {on} alter column {name} set not null",
                    columns=[name],
                )
                items.append(_judge_rule(rule, table, target, drop_rules))
            continue
        if kind in ("unique index", "exclusion index", "index") and r["comparable"] in legacy.designed_indexes(table):
            continue
        if kind == "default" and legacy.designed_default(table, name):
            continue
        if kind in ("unique index", "exclusion index", "check"):
            rule = Item(
                name,
                kind,
                RULE,
                "",
                on=on,
                definition=r["definition"],
                name=name,
                columns=r["columns"] or [],
                comparable=r["comparable"] or "",
            )
            items.append(_judge_rule(rule, table, target, drop_rules))
            continue
        what = f"{table}.{name}" if kind == "default" or (kind == "comment" and name != table) else name
        items.append(
            Item(
                what,
                "foreign key" if kind == "foreign key" else kind,
                NOT_CARRIED,
                _not_carried_words(kind, name, table),
                on=on,
                definition=r["definition"],
            )
        )
    return items


def _not_carried_words(kind: str, name: str, table: str) -> str:
    if kind == "publication":
        return (
            f"not carried: publication {name} keeps publishing the legacy {table} in the archive; "
            f"ALTER PUBLICATION {name} in the --after-swap file to publish the new one"
        )
    if kind == "index":
        return f"not carried: an index the legacy schema did not have; stays on the legacy {table} in the archive"
    return f"not carried: stays on the legacy {table} in the archive (the new {table} has no place for it)"


def _target_tables(cur, schema: str, names: set[str]) -> dict[str, dict]:
    """Those tables of the incoming schema: their columns, NOT NULLs and the rules a legacy one may have."""
    cur.execute(
        "select array_agg(c.oid) from pg_class as c"
        " where c.relnamespace = %s::regnamespace and c.relkind in ('r', 'p') and c.relname = any(%s)",
        (schema, sorted(names)),
    )
    (oids,) = cur.fetchone()
    tables: dict[str, dict] = {}
    for r in _rows(cur, "on_tables", {"tables": oids or [], "harness_triggers": list(HARNESS_TRIGGERS)}):
        table = tables.setdefault(r["table_name"], {"columns": {}, "rules": []})
        if r["type"] == "column":
            table["columns"][r["name"]] = r["comparable"] == "true"
        elif r["type"] in ("unique index", "exclusion index", "check"):
            table["rules"].append((r["type"], r["name"], r["comparable"]))
    return tables


def _judge_rule(rule: Item, table: str, target: dict | None, drop_rules: tuple[str, ...]) -> Item:
    """A legacy table's integrity rule against the target's table of that name (None: no target to
    compare with, at the stage)."""
    if target is not None:
        new = target.get(table)
        missing = [c for c in rule.columns if new is None or c not in new["columns"]]
        if new is None or missing:
            rule.action = NOT_CARRIED
            where = f"no table {table}" if new is None else f"no column {', '.join(missing)}"
            rule.cutover = f"not carried: the new {table} has no place for it ({where})"
            return rule
        if _has_rule(new, rule):
            rule.action, rule.cutover = HAS, "the target has it too"
            return rule
    if rule.name in drop_rules:
        rule.action, rule.cutover = DROPPED, "dropped (--drop-rule): the new table will not have it"
        return rule
    lacks = "lacks" if target is not None else "may lack"
    rule.action = RULE
    rule.cutover = (
        f"refused: an integrity rule the target {lacks}; recreate it on the new {table} with --after-swap FILE, "
        f"or pass --drop-rule {rule.name}"
    )
    return rule


def _has_rule(table: dict, rule: Item) -> bool:
    """The table has the rule: a NOT NULL on its column, an index or CHECK of its kind with its name or
    its definition."""
    if rule.type == "not null":
        return all(table["columns"].get(c) for c in rule.columns)
    return any(
        kind == rule.type and (name == rule.name or (rule.comparable and comparable == rule.comparable))
        for kind, name, comparable in table["rules"]
    )


def _warnings(cur, live, items) -> list[Item]:
    """Functions whose source may name a legacy table: a warning each."""
    dependants = {(i.classid, i.oid) for i in items if i.action == DEPENDANT}
    found = _rows(cur, "may_name", {"names": list(legacy.LEGACY_TABLES), "live": live})
    return [
        Item(
            r["identity"],
            "function",
            WARNING,
            "may name "
            + ", ".join(f"{live}.{n}" for n in r["names"])
            + ": its body finds the new table of that name after the swap (a warning, not proof: check it)",
            on=", ".join(f"{live}.{n}" for n in r["names"]),
            schema=r["schema"],
        )
        for r in found
        if ("pg_proc", r["oid"]) not in dependants
    ]


def _publications_of_schema(cur, live) -> list[Item]:
    """A publication of the whole live schema (PostgreSQL 15+) follows the schema into the archive."""
    cur.execute("select to_regclass('pg_catalog.pg_publication_namespace') is not null")
    if not cur.fetchone()[0]:
        return []
    cur.execute(
        "select p.pubname from pg_publication_namespace as s join pg_publication as p on p.oid = s.pnpubid"
        " where s.pnnspid = %s::regnamespace order by 1",
        (live,),
    )
    return [
        Item(
            f"publication {name}",
            "publication",
            NOT_CARRIED,
            f"not carried: publishes the schema {live}, which becomes the archive; ALTER PUBLICATION {name} in "
            "the --after-swap file to publish the new one",
            on=live,
        )
        for (name,) in cur.fetchall()
    ]


def _collisions(cur, incoming, carried: list[dict], objects) -> list[Item]:
    """The carried objects whose names the incoming schema already has."""
    if not carried:
        return []
    of = {c: [o["oid"] for o in carried if o["classid"] == c] for c in ("pg_class", "pg_type", "pg_proc")}
    found = _rows(
        cur,
        "collisions",
        {"schema": incoming, "relations": of["pg_class"], "types": of["pg_type"], "functions": of["pg_proc"]},
    )
    return [
        Item(
            r["name"],
            r["kind"],
            COLLISION,
            f"refused: the incoming schema {incoming} has a {r['kind']} of that name already; rename the "
            "application's before the cutover",
            schema=incoming,
        )
        for r in found
    ]


# ---------------------------------------------------------------- inside the swap


def carry(cur, items: list[Item], into: str) -> list[str]:
    """ALTER ... SET SCHEMA each carried object into `into`, wherever the swap's renames left it (found
    by its oid). Returns what moved, as it is named now."""
    if not items:
        return []
    cur.execute(
        "select w.classid, w.oid, (pg_identify_object(w.classid::regclass, w.oid, 0)).identity"
        " from unnest(%s::text[], %s::oid[]) as w (classid, oid)",
        ([i.classid for i in items], [i.oid for i in items]),
    )
    now = {_key(classid, oid): identity for classid, oid, identity in cur.fetchall()}
    moved = []
    for item in items:
        identity = now.get(_key(item.classid, item.oid))
        if identity is None:
            continue  # gone since it was carried: the application dropped it
        cur.execute(
            sql.SQL("alter {} {} set schema {}").format(sql.SQL(item.kind), sql.SQL(identity), sql.Identifier(into))
        )
        moved.append(f"{into}.{item.name}")
    return moved


def unsettled(cur, around: Surroundings, *, live: str, outgoing: str) -> list[Item]:
    """After the renames, the carry and the DBA's SQL: every dependant and rule that is not handled.
    A dependant is handled when nothing outside `outgoing` depends on a table (or a bound view) that
    went there; a view or function of the live schema over the swapped tables, when the new live
    schema has one of its name; a rule, when the new table has it (by name or definition) or
    --drop-rule dropped it. Index lookups from what went out only: it runs under the locks."""
    left = []
    dependants = around.of(DEPENDANT)
    if dependants:
        known = {(i.classid, i.oid): i for i in dependants}
        bound = [oid for classid, oid in around.bound if classid == "pg_class"]
        for e in _rows(cur, "bound_outside", {"schema": outgoing, "bound": bound}):
            whole = e["via_class"] in WHOLE_VIA
            key = _key(e["from_class"], e["from_oid"]) if whole else _key(e["via_class"], e["via_oid"])
            if key not in {(i.classid, i.oid) for i in left}:
                left.append(known.get(key) or Item(e["from_identity"], e["from_type"], DEPENDANT, e["via"]))
        for item in dependants:
            if item.schema == live and item.name and not _exists_in(cur, live, item):
                left.append(item)
    rules = around.of(RULE)
    if rules:
        now = _target_tables(cur, live, {rule.on.split(".", 1)[1] for rule in rules})
        for rule in rules:
            table = rule.on.split(".", 1)[1]
            if table not in now or not _has_rule(now[table], rule):
                left.append(rule)
    return left


def _exists_in(cur, schema: str, item: Item) -> bool:
    if item.classid == "pg_proc":
        cur.execute("select to_regprocedure(%s) is not null", (f"{schema}.{item.name}",))
    else:
        cur.execute("select to_regclass(%s) is not null", (f"{schema}.{item.name}",))
    return bool(cur.fetchone()[0])


def movable_problems(cur, around: Surroundings, role: str) -> list[str]:
    """The carried objects the role may not move (it must be a member of each one's owner)."""
    problems = []
    for item in around.carried:
        cur.execute(
            "select o.owner, pg_has_role(o.owner::regrole, 'MEMBER') from ("
            " select relowner::regrole::text as owner from pg_class where %(c)s = 'pg_class' and oid = %(o)s"
            " union all select proowner::regrole::text from pg_proc where %(c)s = 'pg_proc' and oid = %(o)s"
            " union all select typowner::regrole::text from pg_type where %(c)s = 'pg_type' and oid = %(o)s) as o",
            {"c": item.classid, "o": item.oid},
        )
        row = cur.fetchone()
        if row and not row[1]:
            problems.append(
                f"role {role} cannot move the application's {item.type} {item.object} (owned by {row[0]}) into the "
                f"new {around.live} at the swap: it needs GRANT {row[0]} TO {role}"
            )
    return problems


def outside_dependants(cur, schemas: list[str]) -> list[Item]:
    """What outside `schemas` depends on an object in them: what DROP SCHEMA ... CASCADE would drop with
    them (a view, a foreign key, a function, a default, a column of their type, a table's place in a
    publication), one item each, with its definition now."""
    if not schemas:
        return []
    found: dict[tuple[str, int], dict] = {}
    for e in _rows(cur, "dependencies", {"schemas": schemas}):
        if e["to_schema"] not in schemas or e["from_schema"] in schemas:
            continue
        whole = e["via_class"] in WHOLE_VIA
        key = _key(e["from_class"], e["from_oid"]) if whole else _key(e["via_class"], e["via_oid"])
        entry = found.setdefault(key, {"edge": e, "whole": whole, "on": set()})
        entry["on"].add(e["to_identity"])
    definitions = _definitions(cur, list(found))
    items = []
    for key, entry in sorted(found.items(), key=lambda kv: (kv[1]["edge"]["from_identity"], kv[1]["edge"]["via"])):
        e = entry["edge"]
        if entry["whole"]:
            what, kind = e["from_identity"], e["from_type"]
        else:
            part, kind = _part(e)
            what = f"{e['from_identity']}.{part}" if e["from_identity"] else part
            if kind == "constraint" and definitions.get(key, "").startswith("FOREIGN KEY"):
                kind = "foreign key"
        items.append(
            Item(
                what,
                kind,
                DEPENDANT,
                "depends on it",
                on=", ".join(sorted(entry["on"])),
                definition=definitions.get(key, ""),
                schema=e["from_schema"] or "",
            )
        )
    return items


def require_movable(cur, around: Surroundings) -> None:
    """Before anything changes: the role may move every object the swap carries (PrivilegeMissing)."""
    cur.execute("select current_user")
    problems = movable_problems(cur, around, cur.fetchone()[0])
    if problems:
        more = f" (and {len(problems) - 1} more like it)" if len(problems) > 1 else ""
        raise privileges.PrivilegeMissing(
            f"{problems[0]}{more}; nothing was changed. The privileges of each command: docs/runbook.md#privileges"
        )


def require_known_rules(around: Surroundings, names: tuple[str, ...]) -> None:
    """--drop-rule names only integrity rules of the legacy tables (UsageError)."""
    known = {i.name for i in around.items if i.type in RULE_TYPES}
    unknown = [n for n in names if n not in known]
    if unknown:
        rules = ", ".join(sorted(known)) or "none"
        raise UsageError(
            f"--drop-rule {unknown[0]}: no integrity rule of that name on the legacy tables of {around.live} "
            f"(the rules the legacy schema did not make: {rules})"
        )
