"""The result block of notebook 80: Table 1 as the notebook stored it (ours beside the paper's marks)."""
from neumeta import pages

NOTEBOOK = "80_table1"


def table1(profile="cpu"):
    """Table 1 as notebook 80 stored it (``table1.md``, written from ``table1.csv``)."""
    pages.stored(profile, NOTEBOOK, "table1.csv")
    table = pages.stored(profile, NOTEBOOK, "table1.md").rstrip()
    return table + "\n\n" + pages.source(profile, NOTEBOOK, "table1.csv")
