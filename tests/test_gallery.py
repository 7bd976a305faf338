"""The figure gallery lists every figure on disk and nothing else; the paper map decides each item's status from
the stored tables (reproduced / runs where the data exists / not yet)."""
import re

import pandas as pd
import pytest

from neumeta.tooling import gallery, paper_map, report
from neumeta.store.results import FIGURES_ROOT


def test_the_committed_gallery_lists_every_figure_on_disk_and_nothing_else():
    pages = report.gallery_pages()
    assert FIGURES_ROOT / "cpu" / "README.md" in pages
    for path, text in pages.items():
        assert path.exists() and path.read_text() == text, f"{path} is out of date: run python -m neumeta.tooling.report"
        listed = sorted(re.findall(r"!\[[^\]]*\]\(([^)]+)\.png\)", text))
        on_disk = sorted(f"{nb}/{stem}" for nb, stem in gallery.figures_on_disk(path.parent.name))
        assert listed == on_disk


def test_every_figure_a_notebook_draws_has_a_caption(tmp_path, monkeypatch):
    monkeypatch.setattr(gallery, "FIGURES_ROOT", tmp_path)
    (tmp_path / "p" / "00_x").mkdir(parents=True)
    (tmp_path / "p" / "00_x" / "unknown_figure.png").write_bytes(b"")
    with pytest.raises(KeyError, match="unknown_figure"):
        gallery.render("p")


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(paper_map, "RESULTS_ROOT", tmp_path)
    return tmp_path / "cpu"


def _write(folder, name, rows):
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(folder / f"{name}.csv", index=False)


def test_an_item_is_reproduced_only_when_its_stored_table_holds_it(store):
    item = next(i for i in paper_map.ITEMS if i.paper == "Figure 5, MNIST")
    assert paper_map.status(item, "cpu")[0] == "not yet"
    _write(store / "40_pruning", "pruning", [dict(dataset="cifar10", value=1.0)])
    _write(store / "40_pruning", "unavailable_panels", [dict(dataset="imagenet", reason="no imagenet here")])
    assert paper_map.status(item, "cpu")[0] == "not yet"
    _write(store / "40_pruning", "pruning", [dict(dataset="mnist", value=1.0)])
    assert paper_map.status(item, "cpu") == ("reproduced", "")
    imagenet = next(i for i in paper_map.ITEMS if i.paper == "Figure 5, ImageNet")
    assert paper_map.status(imagenet, "cpu") == ("runs where the data exists", "no imagenet here")


def test_items_nothing_builds_say_why():
    assert paper_map.status(paper_map.Item("Figure 99", "", reason="no data offline"), "cpu") == ("not yet",
                                                                                                 "no data offline")
    assert paper_map.status(paper_map.Item("Figure 98", ""), "cpu") == ("not yet", paper_map.NOT_BUILT)
    segmentation = next(i for i in paper_map.ITEMS if "segmentation" in i.paper)
    assert segmentation.notebook == "90_segmentation" and "stand-in" in segmentation.note