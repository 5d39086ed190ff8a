"""The README documents every setting, every CLI command and the two set-up commands."""

from __future__ import annotations

import re

from api.cli import main
from api.config import PROJECT_DIR, SETTINGS

README = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme():
    missing = [name for name in SETTINGS if f"`OWL40_{name}`" not in README]
    assert missing == []


def test_every_cli_command_is_in_the_readme():
    missing = [name for name in main.commands if f"`owl40 {name}" not in README]
    assert missing == []


def test_readme_has_exactly_two_setup_commands_and_ci_calls_the_test_one():
    setup = README.split("## Set-up on a fresh machine", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", setup, flags=re.S)
    assert [b.strip() for b in blocks] == ["make serve", "make test"]
    ci = (PROJECT_DIR / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line for line in ci.splitlines() if line and not line.startswith(("#", "set ", "cd "))]
    assert commands == ["make test"]
