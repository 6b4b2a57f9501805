"""The README's Python examples run as written (a changed API breaks this test, not a reader)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def _python_block(section: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"## {section}\n")
    match = re.compile(r"```python\n(.*?)```", re.DOTALL).search(text, start)
    assert match is not None, f"no python example under {section!r}"
    return match.group(1)


@pytest.mark.parametrize("section", ["BBS signatures", "Zero-knowledge presentations"])
def test_readme_example_runs(section: str) -> None:
    code = _python_block(section)
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(code, f"README.md ({section})", "exec"), {})  # noqa: S102 - our own README
    if section == "Zero-knowledge presentations":
        printed = output.getvalue()
        assert "{'residence': 'Utopia City'}" in printed
        assert "birth_date <= 2008-12-06" in printed
        assert "revoked: no valid non-revocation proof" in printed
