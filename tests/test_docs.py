"""Generated documents stay in step with the code."""

from helpers.core.paths import REPO_ROOT
from helpers.core.schema import dictionary_markdown


def test_data_dictionary_is_current():
    committed = (REPO_ROOT / "docs" / "DATA_DICTIONARY.md").read_text(encoding="utf-8")
    assert committed == dictionary_markdown(), "run: python -m helpers dictionary"


def test_readme_test_command_is_what_ci_runs():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "bash scripts/test.sh" in ci and "bash scripts/test.sh" in readme
    assert "bash scripts/run.sh" in readme
