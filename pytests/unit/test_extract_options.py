"""`harness sample extract` without a database: the choices it refuses, the size it takes,
and the copy's sink, which must pass whole rows on whatever pieces psycopg2 hands it."""

from __future__ import annotations

import pytest

from harness.common.errors import InternalError, UsageError
from harness.flows import anonymise, extract


def test_personal_data_is_kept_only_when_said():
    assert extract.personal_data_choice(None, False) is True
    assert extract.personal_data_choice(True, False) is True
    assert extract.personal_data_choice(None, True) is False
    assert extract.personal_data_choice(False, True) is False
    with pytest.raises(UsageError, match="--keep-personal-data"):
        extract.personal_data_choice(False, False)
    with pytest.raises(UsageError, match="contradict"):
        extract.personal_data_choice(True, True)


def test_the_size_is_one_of_size_organisations_or_all():
    assert extract.organisations_wanted(None, None, False) == (10, "small_sample (10 organisations)")
    assert extract.organisations_wanted("minimal_sample", None, False) == (3, "minimal_sample (3 organisations)")
    assert extract.organisations_wanted(None, 7, False) == (7, "7 organisations")
    assert extract.organisations_wanted(None, None, True) == (None, "all")
    with pytest.raises(UsageError, match="give one of them"):
        extract.organisations_wanted("small_sample", 3, False)
    with pytest.raises(UsageError, match="unknown sample size"):
        extract.organisations_wanted("huge", None, False)


def test_the_sink_sends_whole_rows_in_batches_and_counts_them():
    sent: list[str] = []
    transform = anonymise.row_transformer(anonymise.Anonymiser(), [anonymise.KEEP, anonymise.TEXT])
    sink = extract._CopySink(sent.append, transform, batch_chars=20)
    for piece in ("id-1\tAlice Smi", "th\nid-2\tBob\nid-3", "\t\\N\n"):
        sink.write(piece)
    sink.flush_batch(last=True)
    lines = "".join(sent).splitlines()
    assert sink.rows == 3 and len(sent) >= 2 and all(batch.endswith("\n") for batch in sent)
    assert [line.split("\t")[0] for line in lines] == ["id-1", "id-2", "id-3"]
    assert len(lines[0].split("\t")[1]) == len("Alice Smith") and lines[2].endswith("\t\\N")
    raw = extract._CopySink(sent.append, None)
    raw.write("half a row")
    with pytest.raises(InternalError):
        raw.flush_batch(last=True)
