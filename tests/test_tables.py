"""The strict CSV reader: cell parsers, and every problem naming its file, line and column."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from zones.errors import DataError
from zones.model.tables import (
    SCHEMAS,
    Column,
    Schema,
    as_float,
    as_int,
    as_list,
    as_sources,
    as_text,
    one_of,
    read_table,
)

#: A small schema using every kind of parser.
SCHEMA = Schema(
    "things",
    (
        Column("id", required=True),
        Column("kind", one_of("a", "b"), required=True),
        Column("tags", as_list),
        Column("sources", as_sources),
        Column("x", as_float),
        Column("n", as_int),
    ),
)
HEADER = "id,kind,tags,sources,x,n\n"


def _read(tmp_path: Path, text: str | bytes, schema: Schema = SCHEMA):
    path = tmp_path / "things.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path, read_table(path, schema)


@pytest.mark.parametrize(
    ("parse", "text", "expected"),
    [
        (as_text, "  汽车 ", "汽车"),
        (as_list, "a;b", ["a", "b"]),
        (as_list, " a ; b ;; ", ["a", "b"]),
        (as_list, "", []),
        (as_list, "330281", ["330281"]),
        (as_sources, "plan:L58 | https://example.org/a", ["plan:L58", "https://example.org/a"]),
        (as_sources, "plan:L1|plan:L2 |", ["plan:L1", "plan:L2"]),
        (as_sources, "  ", []),
        (as_float, "121.5047", 121.5047),
        (as_float, " -2.5 ", -2.5),
        (as_float, "1e3", 1000.0),
        (as_int, "4000", 4000),
        (as_int, " ", None),
        (one_of("circle", "belt"), " belt ", "belt"),
    ],
)
def test_parsers(parse, text, expected):
    assert parse(text) == expected


def test_empty_float_is_nan():
    assert math.isnan(as_float(""))
    assert math.isnan(as_float("   "))


@pytest.mark.parametrize(
    ("parse", "text"),
    [
        (as_float, "abc"),
        (as_float, "inf"),
        (as_float, "nan"),
        (as_float, "121,5"),
        (as_int, "4.5"),
        (as_int, "x"),
        (one_of("circle", "belt"), "ring"),
        (one_of("circle", "belt"), "Belt"),
        (one_of("circle", "belt"), ""),
    ],
)
def test_parsers_reject(parse, text):
    with pytest.raises(ValueError):
        parse(text)


def test_reads_every_kind_of_cell(tmp_path):
    text = HEADER + 'p1,a,x;y,"plan:L3 | https://e.org/a,b",121.5,7\np2,b,,,,\n'
    _, table = _read(tmp_path, text)
    assert table.problems == []
    first, second = table.rows
    assert first == {
        "_line": 2,
        "id": "p1",
        "kind": "a",
        "tags": ["x", "y"],
        "sources": ["plan:L3", "https://e.org/a,b"],
        "x": 121.5,
        "n": 7,
    }
    assert second["_line"] == 3
    assert second["tags"] == [] and second["sources"] == [] and second["n"] is None
    assert math.isnan(second["x"])


def test_bom_is_accepted(tmp_path):
    _, table = _read(tmp_path, ("\ufeff" + HEADER + "p1,a,,,,\n").encode("utf-8"))
    assert table.problems == []
    assert [r["id"] for r in table.rows] == ["p1"]


def test_header_spaces_and_blank_lines(tmp_path):
    """Spaces around header names are ignored; blank lines are skipped but still counted."""
    text = " id , kind ,tags,sources,x,n\n\np1,a,,,,\n\n\np2,z,,,,\n"
    path, table = _read(tmp_path, text)
    assert [r["id"] for r in table.rows] == ["p1"]
    assert [r["_line"] for r in table.rows] == [3]
    assert [(p.file, p.row, p.field) for p in table.problems] == [(str(path), 6, "kind")]


@pytest.mark.parametrize(
    ("body", "line", "field", "message"),
    [
        (",a,,,,\n", 2, "id", "required value is empty"),
        ("   ,a,,,,\n", 2, "id", "required value is empty"),
        ("p1,,,,,\n", 2, "kind", "required value is empty"),
        ("p1,c,,,,\n", 2, "kind", "not one of a, b"),
        ("p1,a,,,abc,\n", 2, "x", "bad value"),
        ("p1,a,,,inf,\n", 2, "x", "not a finite number"),
        ("p1,a,,,,2.5\n", 2, "n", "bad value"),
        ("p1,a,,,\n", 2, None, "has 5 cells, the header has 6"),
        ("p1,a,,,,,\n", 2, None, "has 7 cells, the header has 6"),
        ("p1,a,,,,\np1,b,,,,\n", 3, "id", "duplicate id 'p1' (first on line 2)"),
        (
            "p1,a,,,,\np2,a,,,,\np3,a,,,,\np2,b,,,,\n",
            5,
            "id",
            "duplicate id 'p2' (first on line 3)",
        ),
        ('p1,a,,,,\np2,"a"b,,,,\n', 3, None, "malformed CSV"),
        ('p1,a,,,,\np2,"a,,,,\n', 3, None, "malformed CSV"),
    ],
)
def test_row_problems_name_file_line_and_field(tmp_path, body, line, field, message):
    path, table = _read(tmp_path, HEADER + body)
    assert len(table.problems) == 1, table.problems
    problem = table.problems[0]
    assert (problem.file, problem.row, problem.field, problem.severity) == (
        str(path),
        line,
        field,
        "error",
    )
    assert message in problem.message
    assert f"{path}:{line}" in str(problem)
    assert all(r["_line"] != line for r in table.rows), "a bad row is not kept"


def test_good_rows_are_kept_next_to_bad_ones(tmp_path):
    _, table = _read(tmp_path, HEADER + "p1,a,,,,\np2,c,,,,\np3,b,,,,\n")
    assert [r["id"] for r in table.rows] == ["p1", "p3"]
    assert [(p.row, p.field) for p in table.problems] == [(3, "kind")]


def test_every_bad_cell_is_reported_not_just_the_first(tmp_path):
    _, table = _read(tmp_path, HEADER + "p1,c,,,abc,x\n,a,,,,\np3,a,,\n")
    assert [(p.row, p.field) for p in table.problems] == [
        (2, "kind"),
        (2, "x"),
        (2, "n"),
        (3, "id"),
        (4, None),
    ]


def test_unterminated_quote_names_the_line_it_starts_on(tmp_path):
    _, table = _read(tmp_path, HEADER + 'p1,"a,,,,\np2,a,,,,\np3,a,,,,\n')
    assert [(p.row, p.field) for p in table.problems] == [(2, None)]


def test_unknown_column_is_a_note(tmp_path):
    path, table = _read(tmp_path, "id,kind,tags,sources,x,n,extra\np1,a,,,,,zzz\n")
    assert [r["id"] for r in table.rows] == ["p1"]
    assert [(p.file, p.row, p.field, p.severity) for p in table.problems] == [
        (str(path), 1, "extra", "note")
    ]


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        ("id,kind,tags,sources,x\np1,a,,,\n", 1, "missing column(s) n"),
        ("id,tags\np1,\n", 1, "missing column(s) kind, sources, x, n"),
        ('id,"kind,tags,sources,x,n\np1,a,,,,\n', 1, "malformed CSV"),
        ("", None, "empty file"),
        (
            (HEADER + "p1,a,,,,\np2,a,,,,\n").encode() + "p3,汽车,,,,\n".encode("gbk"),
            4,
            "not UTF-8",
        ),
        ("id,名称\n".encode("gbk"), 1, "not UTF-8"),
        (b"\xff\xfei\x00d\x00", 1, "not UTF-8"),
    ],
)
def test_unreadable_file_is_a_data_error(tmp_path, content, line, message):
    with pytest.raises(DataError) as caught:
        _read(tmp_path, content)
    problem = caught.value.problem
    assert problem.file == str(tmp_path / "things.csv")
    assert problem.row == line
    assert message in problem.message
    assert str(tmp_path / "things.csv") in str(caught.value)


def test_missing_file_is_a_data_error(tmp_path):
    path = tmp_path / "nowhere.csv"
    with pytest.raises(DataError) as caught:
        read_table(path, SCHEMA)
    assert caught.value.problem.file == str(path)
    assert "cannot read" in caught.value.problem.message


def test_keyless_schema_allows_repeated_rows(tmp_path):
    schema = Schema("links", (Column("a", required=True), Column("b")), key=None)
    _, table = _read(tmp_path, "a,b\nx,1\nx,1\n", schema)
    assert table.problems == []
    assert len(table.rows) == 2


def test_by_key(tmp_path):
    _, table = _read(tmp_path, HEADER + "p1,a,,,,\np2,b,,,,\n")
    assert set(table.by_key()) == {"p1", "p2"}
    assert table.by_key()["p2"]["kind"] == "b"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_schema_reads_its_header_alone(tmp_path, name):
    """Each table's schema names its key among its columns, and a header-only file is valid."""
    schema = SCHEMAS[name]
    assert name == f"{schema.name}.csv"
    assert schema.key is None or schema.key in schema.names
    assert len(set(schema.names)) == len(schema.names)
    path = tmp_path / name
    path.write_text(",".join(schema.names) + "\n", encoding="utf-8")
    table = read_table(path, schema)
    assert table.rows == [] and table.problems == []
