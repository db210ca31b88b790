"""The README documents every command and option of the CLI, and starts with the two commands."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from zones.cli.main import parser

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("command", sorted(_subparsers()))
def test_every_command_is_in_the_readme(command):
    assert f"zones {command}" in README


@pytest.mark.parametrize(
    "option",
    sorted(
        {
            opt
            for sub in ("export", "import", "build", "report")
            for action in _subparsers()[sub]._actions
            for opt in action.option_strings
            if opt.startswith("--")
            and opt not in {"--help", "--geo", "--data", "--dataset", "--lang"}
            and opt not in {"--layer", "--id-field", "--name-field", "--encoding"}
        }
    ),
)
def test_every_everyday_option_is_in_the_readme(option):
    assert option in README


def test_readme_starts_with_the_two_setup_commands():
    first_block = README.split("```")[1]
    lines = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert lines[1:] == ["./dev app", "./dev test"]
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert "./dev test" in ci
