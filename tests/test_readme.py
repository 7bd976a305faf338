"""The pages: a README a newcomer reads in five minutes, one results page per notebook, the operations page; every
generated block up to date, every relative link resolving, every Python snippet running."""
import ast
import re
from pathlib import Path

import pytest

from neumeta import pages
from neumeta.store.results import REPO_ROOT
from neumeta.tooling import report

README_MAX_LINES, FIRST_SCREEN_LINES = 250, 60
LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


def test_every_page_is_up_to_date():
    assert report.main(["--check"]) == 0, "run `python -m neumeta.tooling.report` after `make reproduce`"


def test_readme_is_short():
    lines = report.README.read_text().splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines: move text to a page under docs/"


def test_readme_shows_the_headline_table_on_its_first_screen():
    lines = report.README.read_text().splitlines()
    assert "<!-- results:headline -->" in lines, "the README shows Table 2 in brief (block `headline`)"
    end = lines.index("<!-- /results:headline -->")
    assert end < FIRST_SCREEN_LINES, f"the headline table ends on line {end + 1}, below the first screen"
    assert any(line.startswith("|") for line in lines[:end]), "the headline block renders a table"


def test_readme_names_both_commands_with_runtimes():
    text = report.README.read_text()
    first_screen = text[: text.index("## Requirements")]
    assert "make reproduce" in first_screen and "make test" in first_screen and "2-core CPU" in first_screen


def test_every_notebook_has_its_results_page():
    readme = report.README.read_text()
    for notebook in sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        page = REPO_ROOT / "docs" / "results" / f"{notebook.stem}.md"
        assert page.exists(), f"{notebook.name} has no results page {page.relative_to(REPO_ROOT)}"
        title, _, opening = page.read_text().partition("\n\n")
        assert title.startswith("# "), f"{page.name} starts with its title"
        assert f"ONLY={notebook.stem[:2]}" in opening.split("\n\n")[0], f"{page.name} says how to rerun it first"
        assert f"(docs/results/{notebook.stem}.md)" in readme, f"the README links to {page.name}"


def _anchors(path):
    """GitHub's anchors of a markdown file's headings."""
    anchors = set()
    text = re.sub(r"```.*?```", "", path.read_text(), flags=re.S)
    for heading in re.findall(r"^#+ (.+)$", text, flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchors.add(slug if slug not in anchors else next(f"{slug}-{i}" for i in range(1, 99)
                                                          if f"{slug}-{i}" not in anchors))
    return anchors


def broken_links(path):
    """The relative links of a markdown file that point to no file (or to no heading of a markdown file)."""
    text = re.sub(r"`[^`\n]*`", "", re.sub(r"```.*?```", "", path.read_text(), flags=re.S))
    bad = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        resolved = (path.parent / file).resolve() if file else path
        if not resolved.exists():
            bad.append(target)
        elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
            bad.append(target)
    return bad


def _markdown_pages():
    return report.markdown_pages() + sorted(report.gallery_pages())


def test_every_relative_link_resolves():
    bad = {p.relative_to(REPO_ROOT).as_posix(): broken_links(p) for p in _markdown_pages()}
    assert not {p: b for p, b in bad.items() if b}


def test_the_link_check_catches_a_broken_link(tmp_path):
    (tmp_path / "a.md").write_text("# A title\n\n[ok](a.md#a-title) [gone](b.md) [no anchor](a.md#nowhere) "
                                   "![image](img.png) [web](https://example.org)\n")
    assert broken_links(tmp_path / "a.md") == ["b.md", "a.md#nowhere", "img.png"]


def test_a_page_naming_an_unknown_or_unclosed_block_is_refused():
    assert report.unknown_markers("<!-- results:nope -->\n<!-- /results:nope -->") == ["nope"]
    assert report.unknown_markers("<!-- results:table2 -->\n") == ["table2"]
    assert report.unknown_markers("<!-- results:table2 -->\n<!-- /results:table2 -->") == []


RESULT_BLOCKS = ["headline", "table2", "table2_ordering", "base_models", "permutation", "neumeta", "merge_rules",
                 "benchmark", "pruning", "vae", "similarity", "ablations", "ablation_frontier", "figure10", "table1",
                 "data_parallel", "gpu_check", "seeds", "seeds_vae", "segmentation_pruning", "whole_pruning"]


@pytest.mark.parametrize("name", RESULT_BLOCKS)
def test_a_block_without_its_tables_is_one_standard_line(name, tmp_path, monkeypatch):
    monkeypatch.setattr(pages, "RESULTS_ROOT", tmp_path)
    text = pages.render(report.BLOCKS[name])
    assert re.fullmatch(re.escape(pages.NOT_GENERATED).replace(r"\{command\}", "[^`]+"), text), text


def test_report_modules_type_no_paper_number():
    """The paper's numbers live in neumeta/paper.py; a renderer that typed one would drift from it."""
    from neumeta.paper import PAPER_TABLE2
    numbers = {f"{v:.2f}" for row in PAPER_TABLE2.values() for k, v in row.items() if k.startswith("gamma_")}
    modules = [*sorted((REPO_ROOT / "neumeta" / "experiments").glob("*/report.py")),
               REPO_ROOT / "neumeta" / "tooling" / "blocks.py", REPO_ROOT / "neumeta" / "tooling" / "report.py"]
    typed = {m.relative_to(REPO_ROOT).as_posix(): sorted(n for n in numbers if n in m.read_text()) for m in modules}
    assert not {m: n for m, n in typed.items() if n}


def _budget():
    """The checkpoint budget as tests/test_results_cpu.py enforces it."""
    tree = ast.parse((REPO_ROOT / "tests" / "test_results_cpu.py").read_text())
    assign = next(n for n in tree.body if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Tuple)
                  and [t.id for t in n.targets[0].elts] == ["TOTAL_MIB", "FINISHED_MIB", "PARTIAL_MIB"])
    return ast.literal_eval(assign.value)


def test_the_operations_page_states_the_checkpoint_budget_the_test_enforces():
    text = " ".join((REPO_ROOT / "docs" / "operations.md").read_text().split())
    total, finished, partial = _budget()
    assert f"{total} MiB in all, {finished} MiB for each finished file and {partial} MiB for each resumable" in text


def test_python_examples_run(tmp_path, monkeypatch, capsys):
    """The pages' Python snippets run as written against the committed checkpoints (a renamed checkpoint or a
    moved function breaks them here, not in a reader's hands). They run in an empty folder whose ``data`` is the
    test fixtures, so what a snippet writes (the README's ``inr.pt``) never lands in the repository."""
    (tmp_path / "data").symlink_to(REPO_ROOT / "tests" / "fixtures" / "data")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEUMETA_CHECKPOINTS", str(REPO_ROOT / "checkpoints"))
    snippets = [(path, code) for path in report.markdown_pages()
                for code in re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)]
    assert snippets, "a page shows how to load a checkpoint"
    for path, code in snippets:
        exec(compile(code, str(Path(path).relative_to(REPO_ROOT)), "exec"), {})
