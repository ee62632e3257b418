"""The quarantine reason codes the models emit, read from their SQL, and the docs
block that lists them with their meaning (the description of
migration_quarantine.reason_code, models/audit/_audit__models.yml):

    .venv/bin/python pytests/reason_codes.py --write models/audit/quarantine_reason_codes.md   (make docs-reason-codes)

A model emits a code through a rule of `quarantine_columns()`; `parent_rules()`
gives missing_parent and parent_quarantined (both in macros/quarantine.sql). The
rules are evaluated as the Jinja expressions they are, with the real
`parent_rules()`, not matched by pattern, so a rule is found however it is
written. pytests/unit/test_model_yaml.py checks the block is fresh.

A new code needs its one-line meaning in MEANINGS: the block is not written without.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import jinja2

PROJECT = Path(__file__).resolve().parent.parent
BLOCK = "quarantine_reason_codes"
DOCUMENT = PROJECT / "models" / "audit" / f"{BLOCK}.md"
GENERATED_MARKER = (
    "<!-- generated from the models' quarantine rules by pytests/reason_codes.py"
    " (make docs-reason-codes); do not edit by hand -->"
)

# What each code means, one line. The severity and the legacy tables come from the rules.
MEANINGS = {
    "blank_email": "the legacy users.email is blank",
    "blank_name": "the legacy organizations.name is blank",
    "blank_part_name": "the legacy parts.name is blank",
    "blank_part_number": "the legacy parts.part_number is blank",
    "blank_role": "the legacy users.role is blank",
    "blank_username": "the legacy users.username is blank",
    "duplicate_email": "an earlier user (by created_at, id) has the same email and keeps it",
    "duplicate_inventory_position": (
        "an earlier inventory row (by created_at, id) holds the same organisation and part and keeps it"
    ),
    "duplicate_name": "an earlier organisation (by created_at, id) has the same name and keeps it",
    "duplicate_part_number": "an earlier part (by created_at, id) has the same part_number and keeps it",
    "duplicate_serial_number": (
        "an earlier machine (by created_at, id) has the same serial_number and keeps it: "
        "the target makes serial numbers unique globally, legacy per organisation"
    ),
    "duplicate_username": "an earlier user (by created_at, id) has the same username and keeps it",
    "missing_parent": "a required reference (organisation, part, order, inventory row, user) names no existing row",
    "negative_stock": "the legacy inventory.current_stock is below 0, which the target forbids",
    "numeric_nan": (
        "a legacy numeric value (an order item's unit_price) is numeric 'NaN', not a number: no total "
        "or value can be computed from it"
    ),
    "parent_quarantined": "a required reference names a row that is itself quarantined (the detail says why)",
    "quantity_out_of_range": (
        "the legacy quantity (quantity_used, quantity_adjusted) is NULL or does not fit "
        "numeric(10,3): 10,000,000 and over, either sign"
    ),
    "stock_out_of_range": (
        "the legacy inventory.current_stock or minimum_stock_recommendation is NULL or does not "
        "fit numeric(10,3): 10,000,000 and over, either sign"
    ),
    "super_admin_outside_oraseas": "the legacy role maps to super_admin but the organisation is not the oraseas_ee one",
    "unmapped_organization_type": (
        "the normalised legacy type is not in seeds/organization_type_map.csv, nor the "
        "name in seeds/organization_overrides.csv"
    ),
    "unmapped_role": "the normalised legacy role is not in seeds/user_role_map.csv",
}


@dataclass(frozen=True)
class Rule:
    reason: str
    severity: str
    model: str
    legacy_table: str


class _MacroReturn(Exception):
    """dbt's `return()`: a macro hands back a value by raising it."""

    def __init__(self, value):
        self.value = value


def _raise_return(value):
    raise _MacroReturn(value)


def _environment() -> jinja2.Environment:
    return jinja2.Environment(undefined=jinja2.StrictUndefined)


def _macros() -> dict:
    """The project's parent_rules() as dbt runs it; clean_text() as its argument (a SQL condition
    only matters here as text)."""
    env = _environment()
    module = env.from_string(
        (PROJECT / "macros" / "quarantine.sql").read_text(), globals={"return": _raise_return}
    ).module

    def parent_rules(*args, **kwargs):
        try:
            module.parent_rules(*args, **kwargs)
        except _MacroReturn as returned:
            return returned.value
        raise AssertionError("parent_rules() returned nothing")

    return {"parent_rules": parent_rules, "clean_text": lambda expr: f"clean_text({expr})"}


def _call_arguments(text: str, start: int) -> str:
    """The text between the parenthesis at `start` and its match (quotes respected)."""
    depth, quote, i = 0, None, start
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : i]
        i += 1
    raise ValueError("unbalanced parentheses")


def _quarantined_models() -> dict[str, str]:
    """model -> legacy table, from the list migration_quarantine reads."""
    text = (PROJECT / "models" / "audit" / "migration_quarantine.sql").read_text()
    start = text.index("set checked =") + len("set checked =")
    expression = text[start : text.index("%}", start)]
    checked = _environment().compile_expression(expression)()
    return {model: source_table for source_table, model, _key in checked}


def rules() -> list[Rule]:
    """Every quarantine rule of every model, in the order the models state them."""
    quarantined = _quarantined_models()
    macros = _macros()
    found: list[Rule] = []
    for path in sorted((PROJECT / "models").rglob("*.sql")):
        text = path.read_text()
        at = text.find("quarantine_columns(")
        while at != -1:
            expression = _call_arguments(text, at + len("quarantine_columns"))
            if path.stem not in quarantined:
                raise ValueError(
                    f"{path.relative_to(PROJECT)} has quarantine columns, but "
                    "models/audit/migration_quarantine.sql does not read them"
                )
            for rule in _environment().compile_expression(expression)(**macros):
                found.append(Rule(rule["reason"], rule["severity"], path.stem, quarantined[path.stem]))
            at = text.find("quarantine_columns(", at + 1)
    return found


def emitted_codes() -> set[str]:
    return {rule.reason for rule in rules()}


def _severity(rules_of_code: list[Rule]) -> str:
    by_severity = defaultdict(set)
    for rule in rules_of_code:
        by_severity[rule.severity].add(rule.legacy_table)
    if len(by_severity) == 1:
        return next(iter(by_severity))
    common = max(by_severity, key=lambda s: len(by_severity[s]))
    others = ", ".join(
        f"{s} for {', '.join(sorted(tables))}" for s, tables in sorted(by_severity.items()) if s != common
    )
    return f"{common} ({others})"


def document() -> str:
    by_code: dict[str, list[Rule]] = defaultdict(list)
    for rule in rules():
        by_code[rule.reason].append(rule)
    unexplained = sorted(set(by_code) - set(MEANINGS))
    if unexplained:
        raise ValueError(f"give each new reason code its meaning in MEANINGS of pytests/reason_codes.py: {unexplained}")
    unused = sorted(set(MEANINGS) - set(by_code))
    if unused:
        raise ValueError(f"no model emits these reason codes; remove them from MEANINGS: {unused}")
    lines = [
        f"{{% docs {BLOCK} %}}",
        GENERATED_MARKER,
        "",
        f"Why a rule could not place the legacy row; the first rule of its model that holds decides. "
        f"The {len(by_code)} codes the models emit:",
        "",
    ]
    for code in sorted(by_code):
        tables = ", ".join(sorted({rule.legacy_table for rule in by_code[code]}))
        lines.append(f"- `{code}`: {MEANINGS[code]}. Severity {_severity(by_code[code])}; legacy tables {tables}.")
    lines.append("{% enddocs %}")
    return "\n".join(lines) + "\n"


def listed_codes(text: str) -> set[str]:
    """The codes a written block lists (one `- `code`` line each)."""
    return {line.split("`")[1] for line in text.splitlines() if line.startswith("- `")}


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        Path(sys.argv[2]).write_text(document())
    else:
        print(document(), end="")
