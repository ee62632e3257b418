"""The hand-written mutations `make mutants` applies (pytests/mutants/run.py), at least two per
area of issue 30: each is a small, realistic bug of one line or one token, in Python or SQL,
that some test must fail on. Add one whenever a guard is added.

A mutation names the file, the exact text it changes (found exactly once in the file, on one
line) and what it becomes; run.py rejects one that is not so, or that leaves the file failing to
import, parse (dbt) or lint.
"""

from __future__ import annotations

from dataclasses import dataclass

# the areas of issue 30: a class of promise each
AREAS = {
    "seal": "the seal of the built target, for every kind of change to it",
    "lock": "the per-schema lock, for every command that changes a schema",
    "interrupt": "interruption by Ctrl-C at every point where the harness waits",
    "restore": "restore, into everything that already exists",
    "legacy-shape": "the legacy-shape check, for each legacy table",
    "opening-dates": "opening-balance dates when legacy dates are implausible",
    "app-schema": "the application-schema facts check, for each of its comparisons",
    "server-errors": "exit codes of errors that the server raises",
    "child-secrets": "secrets on child processes' command lines",
    "default-privileges": "default privileges after the cutover and after the rollback",
    "org-typing": "the organisation typing rules",
    "check-edges": "each check's condition, at its edges",
    "proofs": "each reconciliation proof, in each way it can be false",
    "capture": "the drift guard's view of what the stage's snapshot saw, and the capture of every write",
    "surroundings": "what surrounds the legacy tables: seen, refused or verified at the swap; prune never cascading",
}


@dataclass(frozen=True)
class Mutation:
    area: str
    name: str
    path: str
    before: str
    after: str


MUTATIONS = (
    # ---------------------------------------------------------------- seal
    Mutation(
        "seal",
        "grants-not-sealed",
        "harness/db/fingerprint.py",
        '"triggers", "table_grants", "schema_grants")',
        '"triggers", "schema_grants")',
    ),
    Mutation(
        "seal",
        "one-row-written-unseen",
        "harness/db/fingerprint.py",
        "result[table] = int(cur.fetchone()[0])",
        "result[table] = max(0, int(cur.fetchone()[0]) - 1)",
    ),
    Mutation(
        "seal",
        "refusal-under-the-locks-misnamed",
        "harness/flows/cutover.py",
        'raise SwapRefused("target_changed",',
        'raise SwapRefused("target_change",',
    ),
    # ---------------------------------------------------------------- lock
    Mutation(
        "lock",
        "flows-hold-the-stage",
        "harness/flows/schema_lock.py",
        "with holding(target, schemas.live, command):",
        "with holding(target, schemas.stage, command):",
    ),
    Mutation(
        "lock",
        "busy-never-seen",
        "harness/db/locks.py",
        "if not cur.fetchone()[0]:",
        "if cur.fetchone()[0] is None:",
    ),
    Mutation(
        "lock",
        "restore-holds-the-dumped-schema",
        "harness/flows/backup.py",
        'with holding(target, schema, "restore"):',
        'with holding(target, original, "restore"):',
    ),
    # ---------------------------------------------------------------- interrupt
    Mutation(
        "interrupt",
        "cancel-error-wins",
        "harness/db/connection.py",
        "            if interrupted is None:",
        "            if interrupted is not None:",
    ),
    Mutation(
        "interrupt",
        "rollback-of-a-closed-connection",
        "harness/db/locks.py",
        "if not conn.closed:",
        "if not conn.autocommit:",
    ),
    Mutation(
        "interrupt",
        "ctrl-c-exits-1",
        "harness/cli/boundary.py",
        "if terminated else errors.EXIT_INTERRUPTED)",
        "if terminated else errors.EXIT_CHECK_FAILED)",
    ),
    # ---------------------------------------------------------------- restore
    Mutation(
        "restore",
        "default-name-is-the-original",
        "harness/flows/backup.py",
        'schema = into_schema or f"{original}_restored"',
        "schema = into_schema or original",
    ),
    Mutation(
        "restore",
        "exists-asked-of-the-original",
        "harness/flows/backup.py",
        "if db.schema_exists(cur, schema):",
        "if db.schema_exists(cur, original):",
    ),
    # ---------------------------------------------------------------- legacy-shape
    Mutation(
        "legacy-shape",
        "missing-column-unseen",
        "harness/flows/stage.py",
        "if found is None and not optional:",
        "if found is None and optional:",
    ),
    Mutation(
        "legacy-shape",
        "retyped-column-unseen",
        "harness/flows/stage.py",
        "elif found is not None and found != data_type:",
        "elif found is None and found != data_type:",
    ),
    Mutation(
        "legacy-shape",
        "parts-optional",
        "harness/flows/stage.py",
        'if t != "stock_adjustments")',
        'if t != "parts")',
    ),
    # ---------------------------------------------------------------- opening-dates
    Mutation(
        "opening-dates",
        "implausible-movements-date-the-ledger",
        "models/intermediate/int_transactions__opening_balances.sql",
        "where {{ plausible_date('transaction_date') }}",
        "where transaction_date is not null",
    ),
    Mutation(
        "opening-dates",
        "implausible-inventory-dates-the-ledger",
        "models/intermediate/int_transactions__opening_balances.sql",
        "where {{ plausible_date('created_at') }}",
        "where created_at is not null",
    ),
    # ---------------------------------------------------------------- app-schema
    Mutation(
        "app-schema",
        "types-not-compared",
        "tests/marts/target_matches_application_schema.sql",
        "actual_type is distinct from expected_type",
        "actual_type is distinct from actual_type",
    ),
    Mutation(
        "app-schema",
        "defaults-not-compared",
        "tests/marts/target_matches_application_schema.sql",
        "and actual_default is distinct from expected_default",
        "and actual_default is distinct from actual_default",
    ),
    # ---------------------------------------------------------------- server-errors
    Mutation(
        "server-errors",
        "read-only-unknown",
        "harness/common/errors.py",
        '    "25006": (',
        '    "25060": (',
    ),
    Mutation(
        "server-errors",
        "constraint-is-a-refusal",
        "harness/common/errors.py",
        '    "23": (',
        '    "23x": (',
    ),
    Mutation(
        "server-errors",
        "cancel-is-a-refusal",
        "harness/common/errors.py",
        '    "57014": (',
        '    "57015": (',
    ),
    # ---------------------------------------------------------------- child-secrets
    Mutation(
        "child-secrets",
        "password-stays-in-the-dsn",
        "harness/flows/backup.py",
        'password = params.pop("password", None)',
        'password = params.get("password")',
    ),
    Mutation(
        "child-secrets",
        "password-not-in-the-environment",
        "harness/flows/backup.py",
        'env["PGPASSWORD"] = password',
        'env["PGPASSWORDS"] = password',
    ),
    # ---------------------------------------------------------------- default-privileges
    Mutation(
        "default-privileges",
        "defaults-left-behind",
        "harness/db/parity.py",
        "if kind not in OBJECT_KINDS:",
        "if kind in OBJECT_KINDS:",
    ),
    Mutation(
        "default-privileges",
        "table-defaults-on-sequences",
        "harness/db/parity.py",
        'OBJECT_KINDS = {"r": "tables",',
        'OBJECT_KINDS = {"r": "sequences",',
    ),
    # ---------------------------------------------------------------- org-typing
    Mutation(
        "org-typing",
        "customers-get-the-parent",
        "models/intermediate/int_organizations__typed.sql",
        "when checked.organization_type = 'supplier' then head_company.organization_id",
        "when checked.organization_type = 'customer' then head_company.organization_id",
    ),
    Mutation(
        "org-typing",
        "type-map-beats-the-override",
        "models/intermediate/int_organizations__typed.sql",
        "coalesce(overrides.organization_type, type_map.organization_type) as organization_type",
        "coalesce(type_map.organization_type, overrides.organization_type) as organization_type",
    ),
    # ---------------------------------------------------------------- check-edges
    Mutation(
        "check-edges",
        "a-pair-is-not-a-duplicate",
        "macros/generic_tests/unique_values.sql",
        "where rows_sharing_value > 1",
        "where rows_sharing_value > 2",
    ),
    Mutation(
        "check-edges",
        "one-is-too-many",
        "macros/generic_tests/has_at_most_one_row_where.sql",
        "where matching_rows > 1",
        "where matching_rows >= 1",
    ),
    # ---------------------------------------------------------------- proofs
    Mutation(
        "proofs",
        "ledger-short-of-the-stock-unseen",
        "tests/audit/ledger_reconciles_with_inventory.sql",
        "where difference <> 0",
        "where difference > 0",
    ),
    Mutation(
        "proofs",
        "lost-rows-unseen",
        "tests/audit/every_legacy_row_accounted_for.sql",
        "where unaccounted <> 0 or unexpected_in_target <> 0",
        "where unaccounted < 0 or unexpected_in_target <> 0",
    ),
    # ---------------------------------------------------------------- capture
    Mutation(
        "capture",
        "the-oldest-open-transaction-unseen",
        "harness/db/audit.py",
        '" and txid >= pg_snapshot_xmin(%s::pg_snapshot)',
        '" and txid > pg_snapshot_xmin(%s::pg_snapshot)',
    ),
    Mutation(
        "capture",
        "key-change-under-the-new-key",
        "harness/sql/migration_audit.sql",
        "if TG_OP = 'UPDATE' and old_key is distinct from row_key then",
        "if TG_OP = 'UPDATE' and old_key is not distinct from row_key then",
    ),
    Mutation(
        "capture",
        "truncate-uncaptured",
        "harness/db/capture.py",
        '"create trigger {} after truncate on {} for each statement execute function {}({})"',
        '"create trigger {} after delete on {} for each statement execute function {}({})"',
    ),
    # ---------------------------------------------------------------- surroundings
    Mutation(
        "surroundings",
        "a-view-elsewhere-unseen",
        "harness/db/surroundings.py",
        "if source in swapped or not (target in swapped or target in bound):",
        'if source in swapped or e["from_schema"] != live or not (target in swapped or target in bound):',
    ),
    Mutation(
        "surroundings",
        "prune-cascades",
        "harness/db/surroundings.py",
        'if e["to_schema"] not in schemas or e["from_schema"] in schemas:',
        'if e["to_schema"] in schemas or e["from_schema"] in schemas:',
    ),
    Mutation(
        "surroundings",
        "a-forgotten-rule-cut-over",
        "harness/db/surroundings.py",
        "if table not in now or not _has_rule(now[table], rule):",
        "if table not in now:",
    ),
)
