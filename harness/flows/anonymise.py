"""Anonymisation of an extract (`harness sample extract`): personal data replaced through
a keyed hash whose key is drawn for one extract and never written anywhere.

What the mapping and the checks read survives the replacement. A text is cut into
words (runs of ASCII letters and digits, or of other letters and digits); every
other character (spaces of every kind, NBSP, punctuation, '@', '.') is kept where it
is. Each word is replaced by a word of the same length and character class per
position (lower-case letter, upper-case letter, digit, other letter), chosen by
HMAC-SHA256 of the word folded to lower case; the replacement keeps the word's
case pattern. One word always gets one replacement and two words never share one,
so:
- equal values stay equal, different values stay different;
- values equal once trimmed, whitespace-collapsed and lower-cased (the models'
  `normalise()`) stay equal, and only those;
- blank stays blank, NULL stays NULL, the length in characters is kept;
- a part's bulk-material keywords (seeds/bulk_material_keywords.csv), its counting
  words (seeds/counting_words.csv) and its pack sizes ("20L", "12 pcs", "box of 12":
  numbers and the units the part classification reads) are kept as words, and no other
  word becomes one;
- organisation names matching seeds/organization_overrides.csv, and locations
  spelled "Main Warehouse", are kept whole, and no other value becomes one.
Password hashes in bcrypt's format keep it (`$2b$12$` + 53 characters of its
alphabet): equal hashes stay equal. TREATMENTS names every legacy column's
treatment; docs/runbook.md shows it.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import itertools
import os
import re
import string
from dataclasses import dataclass, field

from harness.common import paths
from harness.common.errors import InternalError

KEEP = "kept"
TEXT = "pseudonymised"
ORGANIZATION_NAME = "pseudonymised, override names kept"
LOCATION = "pseudonymised, Main Warehouse kept"
PART_TEXT = "pseudonymised, keywords, counting words and pack sizes kept"
PASSWORD_HASH = "replaced, bcrypt format kept"

# (table, column) -> (treatment, why); docs/runbook.md shows the same table
TREATMENTS: dict[tuple[str, str], tuple[str, str]] = {
    ("organizations", "id"): (KEEP, "id"),
    ("organizations", "name"): (ORGANIZATION_NAME, "overrides match it normalised; duplicates and look-alikes kept"),
    ("organizations", "type"): (KEEP, "type (mapped by seeds/organization_type_map.csv)"),
    ("organizations", "address"): (TEXT, "personal: an address"),
    ("organizations", "contact_info"): (TEXT, "personal: phone numbers, names"),
    ("organizations", "created_at"): (KEEP, "date"),
    ("organizations", "updated_at"): (KEEP, "date"),
    ("users", "id"): (KEEP, "id"),
    ("users", "organization_id"): (KEEP, "id"),
    ("users", "username"): (TEXT, "personal; blank, duplicates and case-insensitive collisions kept"),
    ("users", "password_hash"): (PASSWORD_HASH, "personal; shared hashes stay shared"),
    ("users", "email"): (TEXT, "personal; blank, duplicates and case-insensitive collisions kept"),
    ("users", "name"): (TEXT, "personal: a person's name"),
    ("users", "role"): (KEEP, "type (mapped by seeds/user_role_map.csv)"),
    ("users", "created_at"): (KEEP, "date"),
    ("users", "updated_at"): (KEEP, "date"),
    ("users", "is_active"): (KEEP, "flag"),
    ("machines", "id"): (KEEP, "id"),
    ("machines", "organization_id"): (KEEP, "id"),
    ("machines", "model_type"): (KEEP, "type: a product model"),
    ("machines", "name"): (TEXT, "free text, may name a customer"),
    ("machines", "serial_number"): (TEXT, "identifies a customer's machine; duplicates kept"),
    ("machines", "created_at"): (KEEP, "date"),
    ("machines", "updated_at"): (KEEP, "date"),
    ("parts", "id"): (KEEP, "id"),
    ("parts", "part_number"): (KEEP, "catalogue number, not personal (seeds/part_type_overrides.csv matches it)"),
    ("parts", "name"): (PART_TEXT, "free text; the part type is read from its words"),
    ("parts", "description"): (PART_TEXT, "free text; the part type is read from its words"),
    ("parts", "is_proprietary"): (KEEP, "flag"),
    ("parts", "is_consumable"): (KEEP, "flag"),
    ("parts", "manufacturer_delivery_time_days"): (KEEP, "quantity"),
    ("parts", "local_supplier_delivery_time_days"): (KEEP, "quantity"),
    ("parts", "image_urls"): (KEEP, "catalogue image paths, not personal"),
    ("parts", "created_at"): (KEEP, "date"),
    ("parts", "updated_at"): (KEEP, "date"),
    ("inventory", "id"): (KEEP, "id"),
    ("inventory", "organization_id"): (KEEP, "id"),
    ("inventory", "part_id"): (KEEP, "id"),
    ("inventory", "location"): (LOCATION, "may be an address; warehouses are its normalised values"),
    ("inventory", "current_stock"): (KEEP, "quantity (stock conservation)"),
    ("inventory", "minimum_stock_recommendation"): (KEEP, "quantity"),
    ("inventory", "reorder_threshold_set_by"): (KEEP, "type (system / user)"),
    ("inventory", "last_recommendation_update"): (KEEP, "date"),
    ("inventory", "created_at"): (KEEP, "date"),
    ("inventory", "updated_at"): (KEEP, "date"),
    ("supplier_orders", "id"): (KEEP, "id"),
    ("supplier_orders", "ordering_organization_id"): (KEEP, "id"),
    ("supplier_orders", "supplier_name"): (ORGANIZATION_NAME, "an organisation's name: replaced as that name is"),
    ("supplier_orders", "order_date"): (KEEP, "date"),
    ("supplier_orders", "expected_delivery_date"): (KEEP, "date"),
    ("supplier_orders", "actual_delivery_date"): (KEEP, "date"),
    ("supplier_orders", "status"): (KEEP, "type (seeds/order_status_map.csv)"),
    ("supplier_orders", "notes"): (TEXT, "free text"),
    ("supplier_orders", "created_at"): (KEEP, "date"),
    ("supplier_orders", "updated_at"): (KEEP, "date"),
    ("supplier_order_items", "id"): (KEEP, "id"),
    ("supplier_order_items", "supplier_order_id"): (KEEP, "id"),
    ("supplier_order_items", "part_id"): (KEEP, "id"),
    ("supplier_order_items", "quantity"): (KEEP, "quantity"),
    ("supplier_order_items", "unit_price"): (KEEP, "price"),
    ("supplier_order_items", "created_at"): (KEEP, "date"),
    ("supplier_order_items", "updated_at"): (KEEP, "date"),
    ("customer_orders", "id"): (KEEP, "id"),
    ("customer_orders", "customer_organization_id"): (KEEP, "id"),
    ("customer_orders", "oraseas_organization_id"): (KEEP, "id"),
    ("customer_orders", "order_date"): (KEEP, "date"),
    ("customer_orders", "expected_delivery_date"): (KEEP, "date"),
    ("customer_orders", "actual_delivery_date"): (KEEP, "date"),
    ("customer_orders", "status"): (KEEP, "type (seeds/order_status_map.csv)"),
    ("customer_orders", "ordered_by_user_id"): (KEEP, "id"),
    ("customer_orders", "notes"): (TEXT, "free text"),
    ("customer_orders", "created_at"): (KEEP, "date"),
    ("customer_orders", "updated_at"): (KEEP, "date"),
    ("customer_order_items", "id"): (KEEP, "id"),
    ("customer_order_items", "customer_order_id"): (KEEP, "id"),
    ("customer_order_items", "part_id"): (KEEP, "id"),
    ("customer_order_items", "quantity"): (KEEP, "quantity"),
    ("customer_order_items", "unit_price"): (KEEP, "price"),
    ("customer_order_items", "created_at"): (KEEP, "date"),
    ("customer_order_items", "updated_at"): (KEEP, "date"),
    ("part_usage", "id"): (KEEP, "id"),
    ("part_usage", "customer_organization_id"): (KEEP, "id"),
    ("part_usage", "part_id"): (KEEP, "id"),
    ("part_usage", "usage_date"): (KEEP, "date"),
    ("part_usage", "quantity_used"): (KEEP, "quantity"),
    ("part_usage", "machine_id"): (KEEP, "id"),
    ("part_usage", "recorded_by_user_id"): (KEEP, "id"),
    ("part_usage", "notes"): (TEXT, "free text"),
    ("part_usage", "created_at"): (KEEP, "date"),
    ("part_usage", "updated_at"): (KEEP, "date"),
    ("stock_adjustments", "id"): (KEEP, "id"),
    ("stock_adjustments", "inventory_id"): (KEEP, "id"),
    ("stock_adjustments", "user_id"): (KEEP, "id"),
    ("stock_adjustments", "adjustment_date"): (KEEP, "date"),
    ("stock_adjustments", "quantity_adjusted"): (KEEP, "quantity"),
    ("stock_adjustments", "reason_code"): (KEEP, "type (the application's reason list)"),
    ("stock_adjustments", "notes"): (TEXT, "free text"),
    ("stock_adjustments", "created_at"): (KEEP, "date"),
    ("stock_adjustments", "updated_at"): (KEEP, "date"),
}

# a column the legacy schema does not have (legacy_columns_not_migrated): by its type
_STRING_TYPES = re.compile(r"^(text|character varying|character|varchar|char|citext|name)\b")
_SCALAR_TYPES = re.compile(
    r"^(smallint|integer|bigint|numeric|real|double precision|boolean|uuid|date|money|"
    r"interval|time|timestamp)\b"
)


def treatment_of(table: str, column: str, data_type: str) -> str | None:
    """The column's treatment; None for an unknown column whose type may hold anything (json, arrays...)."""
    known = TREATMENTS.get((table, column))
    if known:
        return known[0]
    if _STRING_TYPES.match(data_type) and not data_type.endswith("[]"):
        return TEXT
    if _SCALAR_TYPES.match(data_type) and not data_type.endswith("[]"):
        return KEEP
    return None


# ---------------------------------------------------------------- normalised form and words

# the models' clean_text(): every Unicode space, NBSP included (macros/text.sql)
_SPACES = re.compile(r"[\s\u00a0\u1680\u180e\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+")
# a word: a run of ASCII letters and digits (what the keyword match sees), or of other letters and digits
_WORD = re.compile(r"[A-Za-z0-9]+|[^\W\x00-\x7f_]+")
_OTHER_LETTERS = "àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþ"  # one upper-case character each
_ALPHABETS = {"a": string.ascii_lowercase, "d": string.digits, "o": _OTHER_LETTERS}
_BCRYPT = re.compile(r"^(\$2[abxy]?\$\d\d\$)([./A-Za-z0-9]{53})$")
_BCRYPT_ALPHABET = "./" + string.ascii_uppercase + string.ascii_lowercase + string.digits
KEPT_LOCATIONS = ("main warehouse",)  # the spelling NULL and blank locations count as (mapping-rules.md)
_EXHAUSTIVE_LIMIT = 2_000_000


def normalise(value: str | None) -> str | None:
    """The models' normalise(): trimmed, inner whitespace collapsed, lower-case; NULL when blank."""
    if value is None:
        return None
    return _SPACES.sub(" ", value).strip(" ").lower() or None


def _seed_rows(name: str) -> list[dict]:
    with (paths.project_dir() / "seeds" / f"{name}.csv").open(newline="") as seed:
        return list(csv.DictReader(seed))


def bulk_material_keywords() -> set[str]:
    """The words of the bulk-material keywords, normalised as the part classification reads them."""
    return {
        word
        for row in _seed_rows("bulk_material_keywords")
        for word in re.findall(r"[a-z0-9]+", (normalise(row["keyword"]) or ""))
    }


# what the part classification reads as a pack size (pack_size in
# models/intermediate/int_parts__classified.sql: a number with a unit, or a container "of" a
# number); pytests/unit/test_anonymise.py keeps these the model's
PACK_UNITS = (
    "l", "lt", "ltr", "litre", "litres", "liter", "liters", "ml", "cl", "kg", "kgs", "g", "gr", "gal", "oz", "lb",
    "lbs", "pcs", "pc", "piece", "pieces", "pk", "pack", "x",
)  # fmt: skip
PACK_CONTAINERS = ("box", "pack", "case", "bag", "carton", "set")
_PACK_SIZE_WORD = re.compile(r"^[0-9]+(?:" + "|".join(PACK_UNITS) + r")$")  # "20l", "12pcs"


def pack_size_words(words: list[str]) -> set[int]:
    """Which words of a part's text (folded) are a pack size's number or number-with-unit: "20l", the
    20 of "20 l", the 12 of "box of 12". Other numbers (a phone number in a description) are not."""
    sizes = set()
    for index, word in enumerate(words):
        if _PACK_SIZE_WORD.match(word):
            sizes.add(index)
        elif word.isdigit():
            after = words[index + 1] if index + 1 < len(words) else ""
            before = words[index - 2 : index]
            if after in PACK_UNITS or (len(before) == 2 and before[0] in PACK_CONTAINERS and before[1] == "of"):
                sizes.add(index)
    return sizes


def counting_words() -> set[str]:
    """The words that say a part is counted in pieces (seeds/counting_words.csv), and the words of a
    pack size: what the part classification reads besides the keywords."""
    words = {normalise(row["word"]) for row in _seed_rows("counting_words")} - {None}
    return words | set(PACK_UNITS) | set(PACK_CONTAINERS) | {"of"}


def override_names() -> set[str]:
    """seeds/organization_overrides.csv's organisation names, normalised (the mapping's lookup key)."""
    return {name for row in _seed_rows("organization_overrides") if (name := normalise(row["organization_name"]))}


@dataclass
class Anonymiser:
    """One extract's replacements: a random key, and every word's replacement so far (one per word)."""

    fold_other_letters: bool = True  # the source's lower() folds non-ASCII letters (not a C/POSIX ctype)
    keywords: set[str] = field(default_factory=bulk_material_keywords)
    counted: set[str] = field(default_factory=counting_words)
    kept_names: set[str] = field(default_factory=override_names)
    key: bytes = field(default_factory=lambda: os.urandom(32), repr=False)
    _replacements: dict[str, str] = field(default_factory=dict, repr=False)
    _taken: set[str] = field(default_factory=set, repr=False)
    _reserved: set[str] = field(default_factory=set, repr=False)

    def __post_init__(self) -> None:
        # no word becomes a keyword, a counting word, or a word of a name or location kept whole
        kept_words = {w for text in (*self.kept_names, *KEPT_LOCATIONS) for w in _WORD.findall(text)}
        self._reserved = {self._fold(w) for w in kept_words} | self.keywords | self.counted

    def value(self, value: str | None, treatment: str) -> str | None:
        if value is None or treatment == KEEP:
            return value
        if treatment == PASSWORD_HASH:
            bcrypt = _BCRYPT.match(value)
            if bcrypt:
                return bcrypt.group(1) + self._bcrypt_body(value)
        elif treatment == ORGANIZATION_NAME and normalise(value) in self.kept_names:
            return value
        elif treatment == LOCATION and normalise(value) in KEPT_LOCATIONS:
            return value
        keep = self.keywords | self.counted if treatment == PART_TEXT else set()
        # words are found in the folded text (one character for one): where lower() puts them
        folded, out, done = self._fold(value), [], 0
        words = list(_WORD.finditer(folded))
        sizes = pack_size_words([w.group() for w in words]) if treatment == PART_TEXT else set()
        for index, word in enumerate(words):
            kept = keep | ({word.group()} if index in sizes else set())
            out += [value[done : word.start()], self._word(value[word.start() : word.end()], word.group(), kept)]
            done = word.end()
        out.append(value[done:])
        return "".join(out)

    def _fold_char(self, char: str) -> str:
        if char < "\x80":
            return char.lower()
        if not self.fold_other_letters:
            return char
        lower = char.lower()
        # a letter that lower() makes ASCII (the Kelvin sign) stays itself: its replacement could not
        # differ from an ASCII letter's, and equal values must not become equal
        return lower if len(lower) == 1 and lower >= "\x80" else char

    def _fold(self, word: str) -> str:
        return "".join(map(self._fold_char, word))

    def _word(self, word: str, folded: str, keep) -> str:
        if folded in keep:
            return word
        replacement = self._replacements.get(folded)
        if replacement is None:
            replacement = self._replacements[folded] = self._new_replacement(folded)
            self._taken.add(replacement)
        # the case pattern: where folding changed a character, the replacement is upper-case
        return "".join(
            r.upper() if o != f and len(r.upper()) == 1 else r
            for o, f, r in zip(word, folded, replacement, strict=True)
        )

    def _stream(self, label: str, length: int) -> bytes:
        out, block = b"", 0
        while len(out) < length:
            out += hmac.new(self.key, f"{label}\x00{block}".encode(), hashlib.sha256).digest()
            block += 1
        return out[:length]

    def _free(self, candidate: str, folded: str) -> bool:
        return (
            candidate != folded
            and candidate not in self._taken
            and candidate not in self._reserved
            and not _PACK_SIZE_WORD.match(candidate)  # no word becomes a pack size ("34k" never "12l")
        )

    def _new_replacement(self, folded: str) -> str:
        classes = ["d" if c in string.digits else "a" if c in string.ascii_lowercase else "o" for c in folded]
        for attempt in range(64):
            stream = self._stream(f"word\x00{attempt}\x00{folded}", len(folded))
            candidate = "".join(_ALPHABETS[k][b % len(_ALPHABETS[k])] for k, b in zip(classes, stream, strict=True))
            if self._free(candidate, folded):
                return candidate
        # a nearly full space of short words (ten one-digit words): take the first free one
        space = 1
        for k in classes:
            space *= len(_ALPHABETS[k])
        if space <= _EXHAUSTIVE_LIMIT:
            candidates = ["".join(c) for c in itertools.product(*(_ALPHABETS[k] for k in classes))]
            for candidate in candidates:
                if self._free(candidate, folded):
                    return candidate
            for candidate in candidates:  # injective before anything: the word itself, if nothing else is left
                if candidate not in self._taken and candidate not in self._reserved:
                    return candidate
        raise InternalError(f"no replacement left for a word of {len(folded)} characters")

    def _bcrypt_body(self, value: str) -> str:
        stream = self._stream(f"bcrypt\x00{value}", 53)
        return "".join(_BCRYPT_ALPHABET[b % 64] for b in stream)


# ---------------------------------------------------------------- COPY's text format

_UNESCAPE = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_ESCAPED = re.compile(r"\\(.)", re.S)


def copy_decode(field_text: str) -> str | None:
    """One field of `COPY ... TO STDOUT` (text format) as the value it stands for."""
    if field_text == "\\N":
        return None
    if "\\" not in field_text:
        return field_text
    return _ESCAPED.sub(lambda m: _UNESCAPE.get(m.group(1), m.group(1)), field_text)


def copy_encode(value: str | None) -> str:
    """A value as one field of `COPY ... FROM STDIN` (text format)."""
    if value is None:
        return "\\N"
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")


def row_transformer(anonymiser: Anonymiser, treatments: list[str]):
    """A function from one COPY line (no newline) to its anonymised line; None when nothing changes."""
    changed = [(i, t) for i, t in enumerate(treatments) if t != KEEP]
    if not changed:
        return None

    def transform(line: str) -> str:
        fields = line.split("\t")
        for i, treatment in changed:
            fields[i] = copy_encode(anonymiser.value(copy_decode(fields[i]), treatment))
        return "\t".join(fields)

    return transform
