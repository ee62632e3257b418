"""The DBA's SQL runs inside the swap's transaction (--after-swap, --after-rollback): a statement
that would end or split that transaction is refused before anything runs, and nothing else is
(a BEGIN ATOMIC body, a DO block, a string or a comment that says COMMIT). No database needed."""

from __future__ import annotations

import pytest

from harness.common.errors import UsageError
from harness.db.surroundings import DbaSql, transaction_control

REFUSED = {
    "begin; create view v as select 1;": "begin",
    "create view v as select 1; commit;": "commit",
    "create view v as select 1;\nCOMMIT": "commit",
    "start transaction isolation level serializable;": "start transaction",
    "savepoint before_views; drop view v;": "savepoint",
    "drop view v; rollback to savepoint x;": "rollback",
    "release savepoint x": "release",
    "prepare transaction 'swap'": "prepare transaction",
    "create function f() returns int language sql begin atomic select 1; end; end;": "end",
    "abort": "abort",
}
TAKEN = (
    # a SQL-standard body: its semicolons and its END belong to the CREATE
    "create function reporting.stock_total() returns numeric language sql\n"
    "begin atomic select sum(current_stock) from public.inventory; end;\nselect 1;",
    "create function f(x int) returns int language sql begin atomic"
    " select case when x > 0 then 1 else 0 end; select 2; end; select 3",
    "do $$ begin perform 1; end $$;",
    "create procedure p() language plpgsql as $body$ begin commit; end $body$;",
    "select 'commit; begin'; -- commit\n/* rollback; */ select 2",
    "prepare stock as select 1; execute stock;",
    'create view "begin" as select 1;',
)


@pytest.mark.parametrize("text", REFUSED)
def test_a_statement_that_ends_the_swaps_transaction_is_refused(text):
    assert transaction_control(text) == REFUSED[text]


@pytest.mark.parametrize("text", TAKEN)
def test_bodies_strings_and_comments_are_not_statements(text):
    assert transaction_control(text) is None


def test_the_file_is_read_once_and_refused_in_one_line(tmp_path):
    assert DbaSql.load(None, "--after-swap") is None
    good = tmp_path / "after_swap.sql"
    good.write_text("drop view reporting.v_stock;\n")
    assert DbaSql.load(good, "--after-swap") == DbaSql(str(good), "drop view reporting.v_stock;\n")
    with pytest.raises(UsageError, match=r"--after-swap .*missing.sql: cannot read it"):
        DbaSql.load(tmp_path / "missing.sql", "--after-swap")
    empty = tmp_path / "empty.sql"
    empty.write_text("  \n")
    with pytest.raises(UsageError, match="is empty"):
        DbaSql.load(empty, "--after-rollback")
    committing = tmp_path / "committing.sql"
    committing.write_text("drop view v;\ncommit;\n")
    with pytest.raises(UsageError, match=r"has a transaction command \(commit\)"):
        DbaSql.load(committing, "--after-swap")
