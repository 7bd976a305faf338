"""Render every page's result blocks from the stored tables (never typed by hand).

    python -m neumeta.tooling.report          # rewrite the blocks between <!-- results:NAME --> markers
    python -m neumeta.tooling.report --check  # exit 1 if any page is out of date (a test runs this)

The pages are the README, every markdown page under ``docs/`` and the figure galleries (``figures/<profile>/
README.md``). ``BLOCKS`` names every block; each experiment package renders its own (``report.py``), the tooling
renders the rest (``neumeta.tooling.blocks``), and ``neumeta.pages`` turns a block whose tables are missing into
one "not generated yet" line.
"""
import re
import sys

from neumeta import pages
from neumeta.experiments.ablations import report as ablations
from neumeta.experiments.inr import report as inr
from neumeta.experiments.pretrained import report as pretrained
from neumeta.experiments.pruning import report as pruning
from neumeta.experiments.quickstart import report as quickstart
from neumeta.experiments.seeds import report as seeds
from neumeta.experiments.segmentation import report as segmentation
from neumeta.experiments.similarity import report as similarity
from neumeta.experiments.table1 import report as table1
from neumeta.experiments.table2 import report as table2
from neumeta.experiments.vae import report as vae
from neumeta.experiments.whole import report as whole
from neumeta.store.atomic import atomic_write
from neumeta.store.results import FIGURES_ROOT, REPO_ROOT
from neumeta.tooling import blocks, gallery

README = REPO_ROOT / "README.md"
DOCS = REPO_ROOT / "docs"

BLOCKS = {
    "first_screen": blocks.first_screen, "command_times": blocks.command_times,
    "time_by_notebook": blocks.time_by_notebook, "paper_map": blocks.paper_map_table,
    "notebook_status": blocks.notebook_status, "tolerances": blocks.tolerances,
    "tolerances_line": blocks.tolerances_line,
    "data_parallel": blocks.data_parallel, "gpu_check": blocks.gpu_check,
    "headline": table2.headline, "table2": table2.table2, "table2_ordering": table2.table2_ordering,
    "base_models": pretrained.base_models, "permutation": pretrained.permutation,
    "neumeta": inr.neumeta, "merge_rules": inr.merge_rules, "benchmark": inr.benchmark,
    "pruning": pruning.pruning, "vae": vae.vae, "similarity": similarity.similarity,
    "ablations": ablations.ablations, "ablation_frontier": ablations.frontier, "figure10": ablations.figure10,
    "table1": table1.table1, "quickstart": quickstart.quickstart, "quickstart_headline": quickstart.headline,
    "segmentation": segmentation.segmentation, "segmentation_headline": segmentation.segmentation_headline,
    "segmentation_pruning": segmentation.segmentation_pruning,
    "whole": whole.whole, "whole_headline": whole.whole_headline, "whole_pruning": whole.whole_pruning,
    "seeds": seeds.seeds, "seeds_vae": seeds.seeds_vae, "seeds_headline": seeds.seeds_headline,
}
MARKER = re.compile(r"<!-- results:(\w+) -->.*?<!-- /results:\1 -->", re.S)
OPENING = re.compile(r"<!-- (/?)results:(\w+) -->")


def markdown_pages():
    """The pages whose blocks this module renders: the README and every markdown page under ``docs/``."""
    return [README] + sorted(DOCS.rglob("*.md"))


def unknown_markers(text):
    """Marker names in ``text`` that name no block, or open without closing (or the reverse)."""
    opened = [name for slash, name in OPENING.findall(text) if not slash]
    closed = [name for slash, name in OPENING.findall(text) if slash]
    return sorted({n for n in opened + closed if n not in BLOCKS} | set(opened).symmetric_difference(closed))


def render(text):
    """``text`` with every block between its markers rendered afresh (each block rendered once per page)."""
    rendered = {}

    def fill(match):
        name = match.group(1)
        if name not in rendered:
            rendered[name] = pages.render(BLOCKS[name]) if name in BLOCKS else None
        if rendered[name] is None:
            return match.group(0)
        return f"<!-- results:{name} -->\n{rendered[name]}\n<!-- /results:{name} -->"
    return MARKER.sub(fill, text)


def gallery_pages():
    """``{path: text}`` of the figure gallery of every committed profile (``figures/<profile>/README.md``)."""
    profiles = sorted(p.name for p in FIGURES_ROOT.iterdir() if p.is_dir() and p.name not in ("scratch", "smoke")
                      and any(p.glob("[0-9][0-9]_*/*.png"))) if FIGURES_ROOT.exists() else []
    return {FIGURES_ROOT / profile / "README.md": gallery.render(profile) for profile in profiles}


def all_pages():
    """``{path: text}``: every page as it should read now."""
    return {**{path: render(path.read_text()) for path in markdown_pages()}, **gallery_pages()}


def main(argv=None):
    """Render every page's result blocks and the figure galleries; ``--check``: exit 1 if any is out of date (or
    names a block that does not exist)."""
    argv = sys.argv[1:] if argv is None else argv
    broken = {path: unknown_markers(path.read_text()) for path in markdown_pages()}
    broken = {path: names for path, names in broken.items() if names}
    if broken:
        print("unknown or unclosed result blocks: " + "; ".join(f"{p.relative_to(REPO_ROOT)}: {', '.join(n)}"
                                                               for p, n in broken.items()), file=sys.stderr)
        return 1
    expected = all_pages()
    stale = [path for path, text in expected.items() if not path.exists() or path.read_text() != text]
    if "--check" in argv:
        if stale:
            print("out of date: " + ", ".join(str(p.relative_to(REPO_ROOT)) for p in stale)
                  + ": run `python -m neumeta.tooling.report`", file=sys.stderr)
            return 1
        return 0
    for path in stale:
        with atomic_write(path, "w") as f:
            f.write(expected[path])
    return 0


if __name__ == "__main__":
    sys.exit(main())
