from neumeta.store import report


def test_readme_result_tables_match_the_stored_csvs():
    assert report.main(["--check"]) == 0, "run `python -m neumeta.store.report` after `make reproduce`"


def test_readme_names_both_commands_with_runtimes():
    text = report.README.read_text()
    first_screen = text[: text.index("## Requirements")]
    assert "make reproduce" in first_screen and "make test" in first_screen and "2-core CPU" in first_screen
