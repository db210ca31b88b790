"""The `zones` command line, run in-process on tiny input trees (tests/inputs.py)."""

from __future__ import annotations

import csv
import io
import os
import re

import pyogrio
import pytest

from tests.inputs import edit_csv, write_inputs
from zones.cli.main import main, parser
from zones.model.dataset import load_dataset

PROBLEM_LINE = re.compile(r"^(error|note): (?P<file>\S+):(?P<row>\d+) \[(?P<field>[^\]]+)\]: .+$")


def _build_args(tree, out, *extra: str) -> list[str]:
    return ["build", "--geo", str(tree.geo), "--data", str(tree.data), "--out", str(out), *extra]


def test_build_writes_the_file_and_prints_counts(tree, tmp_path, capsys):
    out = tmp_path / "out" / "zones.gpkg"
    assert main(_build_args(tree, out)) == 0
    assert out.is_file()
    stdout = capsys.readouterr().out
    assert "districts: 2" in stdout
    assert "belts: 2" in stdout
    assert re.search(
        r"parks: 3 \(footprints: indicative 3; locations: estimated 1, sourced 2\)", stdout
    )
    assert "industries: 3 (advantage 3)" in stdout
    assert "park-industry links: 5" in stdout
    assert f"wrote {out}" in stdout


def test_build_prints_notes_on_stderr(tree, tmp_path, capsys):
    out = tmp_path / "zones.gpkg"
    assert main(_build_args(tree, out)) == 0
    stderr = capsys.readouterr().err
    notes = [PROBLEM_LINE.match(line) for line in stderr.splitlines()]
    assert notes and all(notes), stderr
    assert {(m["file"], m["row"], m["field"]) for m in notes} == {
        (str(tree.data / "parks.csv"), "4", "belt")
    }


def test_check_writes_nothing(tree, tmp_path, capsys):
    out = tmp_path / "out" / "zones.gpkg"
    assert main(_build_args(tree, out, "--check")) == 0
    assert not out.exists()
    assert not out.parent.exists()
    stdout = capsys.readouterr().out
    assert "parks: 3" in stdout
    assert "wrote" not in stdout


def test_check_reports_errors(tree, tmp_path, capsys):
    write_inputs(tree.root, **{"data/parks.csv": edit_csv("data/parks.csv", 3, lon="121.2")})
    out = tmp_path / "zones.gpkg"
    assert main(_build_args(tree, out, "--check")) == 1
    assert f"{tree.data / 'parks.csv'}:3 [lon]" in capsys.readouterr().err
    assert not out.exists()


def test_if_stale_skips_when_up_to_date(tree, tmp_path, capsys):
    out = tmp_path / "zones.gpkg"
    assert main(_build_args(tree, out, "--if-stale")) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    before = (out.read_bytes(), out.stat().st_mtime_ns)

    assert main(_build_args(tree, out, "--if-stale")) == 0
    assert capsys.readouterr().out.strip() == f"{out} is up to date"
    assert (out.read_bytes(), out.stat().st_mtime_ns) == before

    # A touched input with the same bytes changes nothing; changed bytes make it stale again.
    later = out.stat().st_mtime + 10
    os.utime(tree.data / "plan.zh.txt", (later, later))
    assert main(_build_args(tree, out, "--if-stale")) == 0
    assert capsys.readouterr().out.strip() == f"{out} is up to date"
    with (tree.data / "plan.zh.txt").open("a", encoding="utf-8") as plan:
        plan.write("\n")
    assert main(_build_args(tree, out, "--if-stale")) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    assert out.stat().st_mtime_ns != before[1]


def test_if_stale_rebuilds_a_truncated_build_even_when_it_looks_new(tree, tmp_path, capsys):
    """Issue 8.8: a truncated GeoPackage with a fresh mtime was trusted."""
    out = tmp_path / "zones.gpkg"
    assert main(_build_args(tree, out)) == 0
    good = out.read_bytes()
    out.write_bytes(good[: len(good) // 2])  # newer than every input, and broken
    capsys.readouterr()
    assert main(_build_args(tree, out, "--if-stale")) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    assert load_dataset(out).parks["id"].tolist() == ["yuyao-edz", "qianwan-new-area", "cixi-park"]


def test_if_stale_rebuilds_a_build_made_from_other_inputs(tree, tmp_path, capsys):
    """A sound GeoPackage built from other inputs (or by a version that stored no digest)."""
    out = tmp_path / "zones.gpkg"
    other = write_inputs(
        tmp_path / "other", **{"data/parks.csv": edit_csv("data/parks.csv", 2, area_km2="11")}
    )
    assert main(_build_args(other, out)) == 0
    capsys.readouterr()
    assert main(_build_args(tree, out, "--if-stale")) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    assert load_dataset(out).parks.set_index("id").loc["yuyao-edz", "area_km2"] == 10


def test_errors_exit_1_and_print_file_row_field(tree, tmp_path, capsys):
    write_inputs(
        tree.root,
        **{
            "data/parks.csv": edit_csv("data/parks.csv", 2, district_adcodes="330299"),
            "data/belts.csv": edit_csv("data/belts.csv", 3, source="plan:L99"),
        },
    )
    out = tmp_path / "zones.gpkg"
    assert main(_build_args(tree, out)) == 1
    captured = capsys.readouterr()
    assert not out.exists()
    assert "wrote" not in captured.out
    lines = captured.err.splitlines()
    found = {(m["file"], m["row"], m["field"]) for m in map(PROBLEM_LINE.match, lines) if m}
    assert (str(tree.data / "parks.csv"), "2", "district_adcodes") in found
    assert (str(tree.data / "belts.csv"), "3", "source") in found
    assert lines[-1] == "2 error(s); nothing written"


def test_unreadable_dataset_exits_1(tmp_path, capsys):
    missing = tmp_path / "nowhere.gpkg"
    args = ["export", "--dataset", str(missing), "--out", str(tmp_path / "p.geojson")]
    assert main(args) == 1
    assert f"error: {missing}" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "value", "suggestion"),
    [
        ("--belt", "north-ba", "north-bay"),
        ("--belt", "北部湾区", "北部湾区产业带"),
        ("--industry", "新材", "新材料"),
        ("--district", "慈", "慈溪市"),
    ],
)
def test_export_unknown_value_exits_2_with_suggestions(
    gpkg, tmp_path, capsys, option, value, suggestion
):
    out = tmp_path / "parks.geojson"
    assert main(["export", "--dataset", str(gpkg), "--out", str(out), option, value]) == 2
    err = capsys.readouterr().err
    assert f"{value!r}" in err
    assert "did you mean" in err and suggestion in err
    assert not out.exists()


@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg", "kml"])
def test_export_of_a_filtered_layer_writes_a_file(gpkg, tmp_path, capsys, fmt):
    out = tmp_path / "exports" / f"parks.{fmt}"
    args = ["export", "--dataset", str(gpkg), "--out", str(out), "--belt", "north-bay"]
    assert main(args) == 0
    assert out.is_file()
    stdout = capsys.readouterr().out
    assert f"wrote {out} ({fmt}, layer parks)" in stdout
    if fmt == "csv":
        ids = [r["id"] for r in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig")))]
    else:
        layer = "parks" if fmt == "gpkg" else None
        ids = list(pyogrio.read_dataframe(out, layer=layer, read_geometry=False)["id"])
    # yuyao-edz lies in 余姚's south, outside 北部湾区产业带.
    assert sorted(ids) == ["cixi-park", "qianwan-new-area"]


def test_export_with_format_and_layer(gpkg, tmp_path, capsys):
    out = tmp_path / "districts.txt"
    args = ["export", "--dataset", str(gpkg), "--out", str(out)]
    assert main([*args, "--layer", "districts", "--format", "geojson"]) == 0
    info = pyogrio.read_info(out, force_feature_count=True)
    assert info["features"] == 2
    assert "layer districts" in capsys.readouterr().out


def test_export_table_as_geojson_is_an_error(gpkg, tmp_path, capsys):
    out = tmp_path / "industries.geojson"
    assert main(["export", "--dataset", str(gpkg), "--out", str(out), "--layer", "industries"]) == 1
    assert "cannot hold layer 'industries'" in capsys.readouterr().err
    assert not out.exists()


def test_bad_command_line_exits_2(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["build", "--no-such-option"])
    assert caught.value.code == 2
    assert "--no-such-option" in capsys.readouterr().err


def test_every_command_has_help():
    top = parser()
    commands = top._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert set(commands) >= {"build", "export", "boundaries"}
    for sub in commands.values():
        for action in sub._actions:
            if action.dest != "help":
                assert action.help, f"{sub.prog} {action.dest} has no help"
