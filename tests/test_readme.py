from neumeta.tooling import report


def test_readme_result_tables_match_the_stored_csvs():
    assert report.main(["--check"]) == 0, "run `python -m neumeta.tooling.report` after `make reproduce`"


def test_readme_names_both_commands_with_runtimes():
    text = report.README.read_text()
    first_screen = text[: text.index("## Requirements")]
    assert "make reproduce" in first_screen and "make test" in first_screen and "2-core CPU" in first_screen


def test_readme_python_examples_run(monkeypatch, capsys):
    """The README's Python snippets run as written against the committed checkpoints (a renamed
    checkpoint or a moved function breaks them here, not in a reader's hands)."""
    import re

    from neumeta.store.results import REPO_ROOT
    monkeypatch.chdir(REPO_ROOT)
    monkeypatch.setenv("NEUMETA_CHECKPOINTS", str(REPO_ROOT / "checkpoints"))
    snippets = re.findall(r"```python\n(.*?)```", report.README.read_text(), flags=re.S)
    assert snippets, "the README shows how to load a checkpoint"
    for code in snippets:
        exec(compile(code, "README.md", "exec"), {})
