"""The anonymisation of `harness sample extract` without a database: what the mapping and
the checks read survives (equality, normalised equality, blanks, NULLs, lengths, classes,
keywords, override names), nothing else does, and docs/runbook.md lists every column."""

from __future__ import annotations

import csv
import itertools
import re
import string

import pytest
from helpers import PROJECT

from harness.flows import anonymise
from harness.flows.anonymise import KEEP, LOCATION, ORGANIZATION_NAME, PART_TEXT, PASSWORD_HASH, TEXT

TRICKY = [
    "Autoboss Inc",
    "AUTOBOSS INC ",
    " autoboss\u00a0 inc",
    "Autoboss Inc.",
    "Autoboss",
    "autoboss inc",
    "",
    "   ",
    "\t",
    None,
    "admin@oraseas.com",
    "ADMIN@oraseas.com",
    "admin@oraseas.co",
    "Müller GmbH",
    "MÜLLER gmbh",
    "muller gmbh",
    "\tShelf  B ",
    "shelf b",
    "Shelf B2",
    "+30 210 555 0101",
    "+30 210 555 0102",
    "N/A",
    "-",
    "a",
    "b",
    "A",
    "1",
    "2",
    "x_y",
    "x-y",
    "Ελληνικά Ανταλλακτικά",
    "ελληνικά ανταλλακτικά",
]


def word_padded(text: str | None) -> str:
    """The models' word_padded() (macros/text.sql), for ASCII text."""
    return " " + re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).strip() + " "


def classes(text: str) -> str:
    def one(c: str) -> str:
        if c in string.ascii_lowercase:
            return "a"
        if c in string.ascii_uppercase:
            return "A"
        if c in string.digits:
            return "9"
        if c.isalnum():
            return "U" if c != c.lower() else "u"
        return c

    return "".join(map(one, text))


@pytest.mark.parametrize("treatment", [TEXT, ORGANIZATION_NAME, LOCATION, PART_TEXT])
def test_equality_normalised_equality_blanks_nulls_lengths_and_classes_are_kept(treatment):
    anonymiser = anonymise.Anonymiser()
    out = {v: anonymiser.value(v, treatment) for v in TRICKY}
    for a, b in itertools.combinations(TRICKY, 2):
        assert (a == b) == (out[a] == out[b]), (a, b, out[a], out[b])
        assert (anonymise.normalise(a) == anonymise.normalise(b)) == (
            anonymise.normalise(out[a]) == anonymise.normalise(out[b])
        ), (a, b, out[a], out[b])
    for value in TRICKY:
        if value is None:
            assert out[value] is None
            continue
        assert len(out[value]) == len(value)
        assert classes(out[value]) == classes(value), (value, out[value])
        assert (anonymise.normalise(value) is None) == (anonymise.normalise(out[value]) is None)
        if any(c.isalnum() for c in value):
            assert out[value] != value, value  # no value with a letter or a digit comes through


def test_a_letter_that_folds_to_ascii_stays_apart_from_the_ascii_one():
    """The Kelvin sign: lower() makes it an ASCII k. Kept apart, different values stay different
    (a look-alike of it under lower() is the one thing lost)."""
    anonymiser = anonymise.Anonymiser()
    assert len({anonymiser.value(v, TEXT) for v in ("5\u212a", "5K", "5k")}) == 3


def test_the_same_word_gets_the_same_replacement_in_every_column_and_a_new_key_another():
    anonymiser = anonymise.Anonymiser()
    name = anonymiser.value("AutoParts Ltd", ORGANIZATION_NAME)
    assert anonymiser.value("AutoParts Ltd", TEXT) == name  # a supplier_name finds its organisation's name
    assert anonymise.Anonymiser().value("AutoParts Ltd", ORGANIZATION_NAME) != name


def test_keywords_of_part_texts_are_kept_and_no_other_word_becomes_one():
    anonymiser = anonymise.Anonymiser()
    keywords = anonymise.bulk_material_keywords()
    assert {"oil", "grease", "coolant"} <= keywords
    names = [
        "Grease Oil Blend",
        "Foil wrap",
        "Hydraulic OIL 10W-40",
        "oil-filter",
        "Coolant/Antifreeze 5L",
        "Soil sample",
        "Oils",
        "Engine Air Filter",
        "semi-fluid",
        "Drive Belt",
        None,
        "",
    ]
    names += ["".join(p) for p in itertools.product("oil", repeat=3)]  # every 3-letter word of o, i, l
    for name in names:
        out = anonymiser.value(name, PART_TEXT)
        matched = {k for k in keywords if f" {k} " in word_padded(name)}
        assert {k for k in keywords if f" {k} " in word_padded(out)} == matched, (name, out)
    assert anonymiser.value("Grease Oil Blend", PART_TEXT).startswith("Grease Oil ")
    # in other columns a keyword is a word like any other
    assert "oil" not in word_padded(anonymiser.value("oil change", TEXT))


def test_override_names_and_the_main_warehouse_are_kept_and_nothing_becomes_them():
    anonymiser = anonymise.Anonymiser()
    assert anonymise.override_names() == {"oraseas ee"}
    for kept in ("Oraseas EE", "  ORASEAS\u00a0EE "):
        assert anonymiser.value(kept, ORGANIZATION_NAME) == kept
    assert anonymiser.value("Oraseas EE", TEXT) != "Oraseas EE"  # an address that says it is replaced
    assert anonymiser.value("Main Warehouse", LOCATION) == "Main Warehouse"
    for other in ("Oraseas Hellas", "Ee Oraseas", "Main Store"):
        out = anonymiser.value(other, ORGANIZATION_NAME)
        assert anonymise.normalise(out) != "oraseas ee" and not {"oraseas", "ee"} & set(out.lower().split())
        assert anonymise.normalise(anonymiser.value(other, LOCATION)) != "main warehouse"


def test_password_hashes_keep_bcrypt_format_and_sharing():
    anonymiser = anonymise.Anonymiser()
    first = "$2b$12$" + "a" * 53
    out = anonymiser.value(first, PASSWORD_HASH)
    assert out.startswith("$2b$12$") and len(out) == len(first) and out != first
    assert re.fullmatch(r"\$2b\$12\$[./A-Za-z0-9]{53}", out)
    assert anonymiser.value(first, PASSWORD_HASH) == out
    assert anonymiser.value("$2b$12$" + "b" * 53, PASSWORD_HASH) != out
    assert anonymiser.value("not a hash", PASSWORD_HASH) != "not a hash"


def test_a_full_space_of_short_words_still_maps_one_to_one():
    anonymiser = anonymise.Anonymiser()
    out = [anonymiser.value(d, TEXT) for d in string.digits]
    assert sorted(out) == list(string.digits)


def test_kept_columns_and_nulls_pass_unchanged():
    anonymiser = anonymise.Anonymiser()
    assert anonymiser.value("Customer", KEEP) == "Customer"
    assert anonymiser.value(None, TEXT) is None


def test_unknown_columns_by_type():
    assert anonymise.treatment_of("users", "nickname", "character varying(80)") == TEXT
    assert anonymise.treatment_of("users", "logins", "integer") == KEEP
    assert anonymise.treatment_of("users", "profile", "jsonb") is None
    assert anonymise.treatment_of("users", "aliases", "text[]") is None


def test_copy_fields_round_trip():
    for value in [None, "", "plain", "tab\there", "new\nline", "back\\slash", "\\N", "cr\r", "ünï"]:
        encoded = anonymise.copy_encode(value)
        assert "\t" not in encoded and "\n" not in encoded
        assert anonymise.copy_decode(encoded) == value
    assert anonymise.copy_decode("\\b\\f\\v") == "\b\f\v"


def test_a_row_keeps_its_kept_fields_byte_for_byte():
    transform = anonymise.row_transformer(anonymise.Anonymiser(), [KEEP, TEXT, KEEP])
    line = "id-1\tJohn\\tSmith\t{a,b}"
    fields = transform(line).split("\t")
    assert fields[0] == "id-1" and fields[2] == "{a,b}" and fields[1] != "John\\tSmith"
    assert anonymise.copy_decode(fields[1])[4] == "\t"
    assert anonymise.row_transformer(anonymise.Anonymiser(), [KEEP, KEEP]) is None


def test_every_legacy_column_has_a_treatment():
    with (PROJECT / "seeds" / "legacy_schema_columns.csv").open(newline="") as facts:
        columns = {(r["table_name"], r["column_name"]) for r in csv.DictReader(facts)}
    assert set(anonymise.TREATMENTS) == columns


def test_the_runbook_lists_every_legacy_column_with_its_treatment():
    runbook = (PROJECT / "docs" / "runbook.md").read_text()
    table = runbook[runbook.index("| table | column | treatment | why |") :].split("\n\n")[0]
    rows = [[cell.strip().strip("`") for cell in line.split("|")[1:-1]] for line in table.splitlines()[2:]]
    listed = {(t, c): (treatment, why) for t, c, treatment, why in rows}
    assert listed == anonymise.TREATMENTS


def test_a_part_text_keeps_what_says_it_is_counted_and_nothing_becomes_a_pack_size():
    anonymiser = anonymise.Anonymiser()
    kept = {  # every word the part classification reads: keywords, counting words, pack sizes
        "Oil Filter": "Oil Filter",
        "Hydraulic Oil 20L": "Oil 20L",
        "Grease 400 g": "Grease 400 g",
        "Seal Kit 12 pcs": "Seal Kit 12 pcs",
        "Coolant box of 12": "Coolant box of 12",
    }
    for name, words in kept.items():
        assert anonymiser.value(name, PART_TEXT).endswith(words), name
    assert anonymiser.value("Hydraulic Oil 20L", PART_TEXT) != "Hydraulic Oil 20L"
    # a number that is no pack size (a phone number in a description) is pseudonymised
    assert "555" not in anonymiser.value("call 555 0101 for it", PART_TEXT)
    # a word that is no pack size never becomes one, even among many replacements
    words = [f"{a}{b}{c}" for a in string.digits for b in string.digits for c in "kmnq"]
    for word in words:
        replaced = anonymiser.value(f"Part {word}", PART_TEXT).split()[1]
        assert not re.fullmatch(r"[0-9]+(" + "|".join(anonymise.PACK_UNITS) + ")", replaced.lower()), word
    # and in other columns a counting word is pseudonymised like any word
    assert anonymiser.value("filter", TEXT) != "filter"


def test_the_pack_sizes_kept_are_the_ones_the_part_classification_reads():
    model = (PROJECT / "models" / "intermediate" / "int_parts__classified.sql").read_text()
    pattern = re.search(r"set pack_size = (.*?)%\}", model, re.S).group(1)
    text = "".join(re.findall(r'"([^"]*)"', pattern))
    units = re.search(r"\[0-9\]\+ \?\(\?:([^)]*)\)", text).group(1).split("|")
    containers = re.search(r"\|\(\?:([^)]*)\) of \[0-9\]\+", text).group(1).split("|")
    assert units == list(anonymise.PACK_UNITS) and containers == list(anonymise.PACK_CONTAINERS)
