"""The map from every table and figure of the paper to the notebook, command and stored results that reproduce it
here, with its status in a profile decided from the stored tables:

- **reproduced**: the notebook's results hold this item (for the datasets the item needs);
- **runs where the data exists**: the notebook runs it, but the dataset is not obtainable here (it says why);
- **not yet**: no results, or nothing builds it.

Rendered into the README by ``python -m neumeta.tooling.report`` (block ``paper_map``), each item linking to its
notebook's results page (``docs/results/<notebook>.md``).
"""
from dataclasses import dataclass

import pandas as pd

from neumeta.store.results import RESULTS_ROOT

NOT_BUILT = "not built: no notebook reproduces it yet"


@dataclass(frozen=True)
class Item:
    paper: str
    notebook: str        # results folder / notebook stem ("" when nothing builds it)
    table: str = ""      # the stored table that holds it
    column: str = ""     # column naming the dataset / panel in that table
    value: str = ""      # the value this item needs in that column
    unavailable: str = ""  # the notebook's table of what it could not run (with a reason column)
    profile_key: str = ""  # the profile value listing the datasets / panels the notebook runs
    reason: str = ""     # why not, where nothing builds it
    note: str = ""       # said beside a reproduced item (a stand-in dataset)


ITEMS = (
    Item("Table 1 (properties of each method)", "80_table1", "table1"),
    Item("Table 2, CIFAR-10", "30_table2", "table2", "dataset", "cifar10", "unavailable_datasets", "table2_datasets"),
    Item("Table 2, CIFAR-100", "30_table2", "table2", "dataset", "cifar100", "unavailable_datasets", "table2_datasets"),
    Item("Figure 5, MNIST", "40_pruning", "pruning", "dataset", "mnist", "unavailable_panels", "prune_panels"),
    Item("Figure 5, CIFAR-10", "40_pruning", "pruning", "dataset", "cifar10", "unavailable_panels", "prune_panels"),
    Item("Figure 5, CIFAR-100", "40_pruning", "pruning", "dataset", "cifar100", "unavailable_panels", "prune_panels"),
    Item("Figure 5, ImageNet", "40_pruning", "pruning", "dataset", "imagenet", "unavailable_panels", "prune_panels"),
    Item("Figures 6 and 7, MNIST", "50_vae", "vae_metrics", "dataset", "mnist", "unavailable_datasets", "vae_datasets"),
    Item("Figures 6 and 7, CelebA", "50_vae", "vae_metrics", "dataset", "celeba", "unavailable_datasets",
         "vae_datasets"),
    Item("Figure 9 (CKA and KL across widths)", "60_similarity", "similarity_margins"),
    Item("Figure 10 (manifold sampling)", "71_sampling", "figure10_width"),
    Item("Ablation table", "70_ablations", "ablation_table"),
    Item("Table 3 (segmentation, PASCAL VOC)", "90_segmentation", "segmentation_table",
         note="on CamVid, a stand-in: VOC cannot be had offline; the `paper` profile runs VOC where it exists"),
)
BEYOND = (  # what this artifact adds to the paper, on the same map
    Item("Beyond the paper: the public API on a network of your own", "01_quickstart", "quickstart_accuracy"),
    Item("Beyond the paper: every block of ResNet-20 resized by one INR", "92_whole_network", "whole_scores"),
)


def status(item, profile="cpu"):
    """``(status, reason)`` of one item in ``profile``."""
    if not item.notebook:
        return "not yet", item.reason or NOT_BUILT
    folder = RESULTS_ROOT / profile / item.notebook
    if not (folder / f"{item.table}.csv").exists():
        return "not yet", f"no stored results: run `make reproduce PROFILE={profile} ONLY={item.notebook[:2]}`"
    table = pd.read_csv(folder / f"{item.table}.csv")
    if not item.column or (item.column in table and (table[item.column] == item.value).any()):
        return "reproduced", ""
    path = folder / f"{item.unavailable}.csv"
    if item.unavailable and path.exists():
        gone = pd.read_csv(path)
        key = gone.columns[0]
        rows = gone[gone[key] == item.value]
        if len(rows):
            return "runs where the data exists", str(rows.iloc[0]["reason"])
    if item.profile_key:
        from neumeta.config.profiles import load_profile
        if item.value not in load_profile(profile)[item.profile_key]:
            return ("runs where the data exists", f"the `{profile}` profile leaves it out (`{item.profile_key}`): "
                    f"no {item.value} data offline here; the `paper` profile runs it")
    return "not yet", f"the stored `{item.table}.csv` has no {item.column} = {item.value}"


def _row(item, profile):
    from neumeta.tooling.provenance import result_status
    state, reason = status(item, profile)
    if state == "reproduced" and item.note:
        reason = item.note
    if state == "reproduced":
        fresh, _ = result_status(profile, item.notebook)
        state = "reproduced" if fresh == "current" else f"reproduced ({fresh})"
    command = f"`make reproduce ONLY={item.notebook[:2]}`" if item.notebook else "—"
    notebook = f"[`{item.notebook}`](docs/results/{item.notebook}.md)" if item.notebook else "—"  # its page
    return item.paper, notebook, command, state, reason


def render(profile="cpu"):
    """The map as a markdown table with a one-line headline (how many items are reproduced); what goes beyond the
    paper follows the paper's items, outside the count."""
    rows = [_row(item, profile) for item in ITEMS]
    done = sum(r[3].startswith("reproduced") for r in rows)
    where = sum(r[3] == "runs where the data exists" for r in rows)
    rows += [_row(item, profile) for item in BEYOND]
    lines = [f"**{done} of {len(ITEMS)}** of the paper's tables and figure panels are reproduced in the `{profile}` "
             f"profile; {where} run only where their data exists; {len(ITEMS) - done - where} not yet.", "",
             "| paper | notebook | command | status (`" + profile + "`) | why not |", "|---|---|---|---|---|"]
    lines += [f"| {p} | {n} | {c} | {s} | {r} |" for p, n, c, s, r in rows]
    return "\n".join(lines) + f"\n\n_Decided from the stored tables under `results/{profile}/` (`neumeta/tooling/paper_map.py`)._"
