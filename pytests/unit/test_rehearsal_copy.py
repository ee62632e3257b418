"""`harness test --type rehearsal` without a database: which options it takes, what it reads in an
archive's table of contents, what it says the copy lacks, how it compares two servers, and the
steps of a migrate it times. (The rehearsal itself, on the embedded server: test_rehearsal.py.)"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from harness.cli.commands import app
from harness.common.errors import UsageError
from harness.flows import rehearsal

runner = CliRunner()

# pg_restore --list of a whole database: its tables, grants and an extension's function, a
# schema of the application's, the harness's change capture on a built source
LISTING = """;
; Archive created at 2026-12-04 23:19:25 UTC
;     dbname: abparts
;     Format: CUSTOM
;     Dumped from database version: 15.8
;
; Selected TOC Entries:
;
232; 1255 16386 FUNCTION public uuid_generate_v4() abparts_owner
6; 2615 16400 SCHEMA - reporting abparts_owner
221; 1259 16387 TABLE public organizations abparts_owner
222; 1259 16404 TABLE public users abparts_owner
240; 1259 16500 VIEW reporting v_users abparts_owner
2687; 0 16387 TABLE DATA public organizations abparts_owner
2510; 2620 16900 TRIGGER public users abparts_migrate_capture abparts_owner
3406; 0 0 ACL public TABLE organizations abparts_owner
3407; 0 0 DEFAULT ACL public DEFAULT PRIVILEGES FOR TABLES abparts_owner
"""


def test_the_table_of_contents_says_schemas_owners_and_grants():
    toc = rehearsal.Toc.parse(LISTING)
    assert toc.header["Dumped from database version"] == "15.8"
    assert toc.schemas == {"public", "reporting"}
    assert toc.owners == {"abparts_owner"}
    assert len(toc.grants) == 2 and all("ACL" in line for line in toc.grants)
    objects = toc.objects(capture=False)
    assert not [line for line in objects if "ACL" in line or "abparts_migrate_capture" in line]
    assert len(toc.objects(capture=True)) == len(objects) + 1
    assert not toc.creates_schema("public") and toc.creates_schema("reporting")


def test_what_a_backup_of_the_live_schema_alone_lacks_is_said():
    listing = "5; 2615 2200 SCHEMA - public abparts_owner\n221; 1259 16387 TABLE public organizations abparts_owner\n"
    toc = rehearsal.Toc.parse(listing)
    lacks = rehearsal.not_rehearsed(toc, {"creates_public": True}, set(), "abparts_migrator", "backup")
    assert len(lacks) == 3
    assert "holds schema public only" in lacks[0]
    assert "belong to abparts_migrator, not to abparts_owner" in lacks[1] and "ownership" in lacks[1]
    assert "no grants" in lacks[2] and "--no-acl" in lacks[2]
    # a full copy, made with owners the role may give: nothing lacking
    whole = rehearsal.Toc.parse(LISTING)
    assert rehearsal.not_rehearsed(whole, {}, {"abparts_owner"}, "postgres", "full copy") == []


def test_grants_to_roles_missing_here_are_said_once_per_cause():
    errors = [
        'role "abparts_app" does not exist',
        'role "abparts_app" does not exist',
        'role "reporting_ro" does not exist',
        "permission denied to change default privileges",
    ]
    said = rehearsal.grants_not_restored(errors)
    assert len(said) == 2
    assert said[0].startswith("grants to abparts_app, reporting_ro: not rehearsed")
    assert "1 grants could not be restored" in said[1] and "default privileges" in said[1]
    assert rehearsal.grants_not_restored([]) == []


def test_a_dump_says_its_encoding_and_locale():
    script = (
        "SET client_encoding = 'LATIN1';\nSET standard_conforming_strings = off;\n"
        "CREATE DATABASE abparts WITH TEMPLATE = template0 ENCODING = 'LATIN1' LOCALE_PROVIDER = libc "
        "LOCALE = 'de_DE.ISO-8859-1';\n"
    )
    facts = rehearsal.dump_database_facts(script)
    assert facts["encoding"] == "LATIN1" and facts["lc_collate"] == facts["lc_ctype"] == "de_DE.ISO-8859-1"
    assert facts["settings"] == {"standard_conforming_strings": "off"} and facts["creates_public"] is False


def test_the_copys_server_differences_say_what_they_may_change():
    source = {"server_version": "15.8", "encoding": "UTF8", "lc_collate": "en_US.UTF-8", "settings": {}}
    source["settings"] = {"max_locks_per_transaction": "256", "fsync": "on", "work_mem": "64MB"}
    source["settings"] |= {"TimeZone": "Europe/Athens", "standard_conforming_strings": "off"}  # e.g. from a dump
    copy = {"server_version": "18.6", "encoding": "UTF8", "lc_collate": "C.UTF-8"}
    copy["settings"] = {"max_locks_per_transaction": "64", "fsync": "off", "work_mem": "64MB", "TimeZone": "UTC"}
    found = rehearsal.differences(source, copy)
    assert found == [
        "server_version: 18.6 on the copy, 15.8 on the source (may change the result)",
        "lc_collate: C.UTF-8 on the copy, en_US.UTF-8 on the source (may change the result)",
        "max_locks_per_transaction: 64 on the copy, 256 on the source (may stop the run)",
        "fsync: off on the copy, on on the source (times)",
    ]
    assert rehearsal.differences(source, source) == []


def test_the_settings_the_harness_pins_are_no_difference_between_the_copy_and_the_source():
    from harness.common import session

    pinned = set(session.settings(10**6))
    assert pinned.isdisjoint(rehearsal.RESULT_SETTINGS + rehearsal.TIME_SETTINGS)


def test_the_steps_of_a_migrate_add_up_to_its_time():
    document = {
        "seconds": 20.0,
        "build_reused": False,
        "build": {"seconds": 12.0, "stage": {"seconds": 1.5}},
        "cutover": {"seconds": 4.0, "backup": {"seconds": 3.0}},
        "post_validation": {"seconds": 2.5},
    }
    steps = rehearsal.step_seconds(document)
    assert steps == {
        "stage": 1.5,
        "build (dbt and the checks)": 10.5,
        "backups (snapshots + pg_dump)": 3.0,
        "swap and the rest of the cutover": 1.0,
        "post-validation": 2.5,
        "plan and cleanup": 1.5,
    }
    assert rehearsal.surroundings(None)["known"] is False


def test_the_prediction_says_what_surrounds_the_legacy_tables_and_what_refuses():
    from types import SimpleNamespace

    rows = [
        {"object": "public.app_settings", "type": "table", "on": "", "cutover": "carried: moves into the new public"},
        {"object": "reporting.v_stock", "type": "view", "on": "public.inventory", "cutover": "refuses the cutover: …"},
    ]
    predicted = rehearsal.surroundings(SimpleNamespace(surroundings=rows))
    assert predicted["known"] is True and predicted["objects"] == rows
    assert predicted["note"] == (
        "2 object(s) around the legacy tables; the cutover refuses without the DBA's SQL: reporting.v_stock"
    )


@pytest.mark.parametrize(
    ("source", "backup", "sample", "words"),
    [
        (False, None, None, "give --from DSN"),
        (True, "x.dump", None, "exclude each other"),
        (False, "x.dump", "small_sample", "--sample extracts from a database"),
        (True, None, "huge", "huge"),
    ],
)
def test_a_rehearsal_copies_one_thing(source, backup, sample, words, tmp_path):
    path = tmp_path / backup if backup else None
    if path:
        path.write_bytes(b"PGDMP")
    with pytest.raises(UsageError, match=words):
        rehearsal.check_options(source=source, backup_file=path, sample=sample)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--type", "rehearsal"], "give --from DSN"),
        (["--type", "sample", "--from", "dbname=x"], "are for --type rehearsal"),
        (["--type", "rehearsal", "--from", "dbname=x", "--sample-size", "small_sample"], "not for --type rehearsal"),
        (["--type", "rehearsal", "--from-backup", "/nonexistent/x.dump"], "does not exist"),
    ],
)
def test_the_command_refuses_a_rehearsal_it_cannot_make_before_connecting(args, words):
    result = runner.invoke(app, ["--dsn", "host=/nonexistent-socket-dir dbname=x", "test", *args])
    assert result.exit_code == 2, result.output
    assert words in " ".join(result.output.split())


def test_the_prediction_is_printed_step_by_step(capsys):
    from harness.cli import render

    render.prediction(
        {
            "verdict": "the real run should go as rehearsed",
            "rehearsed": "`harness migrate --yes` (building anew), then `harness rollback`, on a full copy",
            "copy": {"kind": "full copy", "from": "db", "legacy_rows": 391, "seconds": 1.3, "dump_seconds": 0.2}
            | {"restore_seconds": 1.1},
            "steps": [{"step": "stage", "seconds": 0.25}, {"step": "migrate, in all", "seconds": 20.0}],
            "lock_window": {"cutover_ms": 13.6, "rollback_ms": 2.2, "note": "a lower bound"},
            "rows": [{"legacy_table": "users", "rows_in": 34, "migrated": 28, "quarantined": 6}],
            "quarantined_rows": 6,
            "quarantine": [{"source_table": "users", "reason_code": "blank_email", "severity": "error", "rows": 6}],
            "findings": [{"phase": "pre", "severity": "error", "check": "users_without_email", "rows": 1}],
            "backups": {"pg_dump_bytes": 56178, "pg_dump_seconds": 1.8},
            "surroundings": rehearsal.surroundings(None),
            "servers": {"differences": ["fsync: off on the copy, on on the source (times)"]},
        }
    )
    printed = capsys.readouterr().out
    for words in (
        "391 legacy rows in 1.3 s (dump 0.2 s, restore 1.1 s)",
        "migrate, in all",
        "cutover 13.6 ms, rollback 2.2 ms; a lower bound",
        "blank_email",
        "users_without_email",
        "pg_dump 56,178 bytes",
        "around the legacy tables: not known",
        "the copy's server differs: fsync",
    ):
        assert words in printed, words
