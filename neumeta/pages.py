"""The report engine's parts: one guard for a stored table that is not there yet, and markdown tables.

A block is a function of a profile that returns markdown, rendered between ``<!-- results:NAME -->`` markers of
a page. It reads what it shows with ``stored`` (or ``optional``, for parts shown only when they exist). When a
table is missing, ``stored`` raises ``NotGenerated`` and ``render`` turns the whole block into the one standard
line ``NOT_GENERATED``, naming the command that makes the table. Tables go through ``markdown`` (pandas'
``to_markdown``, that is tabulate), their cells formatted by ``number``, ``signed``, ``interval`` (``interval_of``
for a table's row), ``percent``, ``count`` and ``millions``, so every block writes its numbers the same way.
"""
import json
import math
import re

import pandas as pd

from neumeta.store.results import RESULTS_ROOT

NOT_GENERATED = "_Not generated yet: run `{command}`._"
MISSING = "—"


class NotGenerated(Exception):
    """A stored result a block needs is not there (or lacks a column it needs)."""

    def __init__(self, command):
        super().__init__(command)
        self.command = command

    @property
    def line(self):
        return NOT_GENERATED.format(command=self.command)


def reproduce(profile, notebook):
    """The command that regenerates one notebook's results."""
    return f"make reproduce PROFILE={profile} ONLY={notebook[:2]}"


def stored(profile, folder, name, command=None, columns=()):
    """``results/<profile>/<folder>/<name>``: a CSV as a DataFrame, a JSON file as a dict, any other file as text.

    Raises ``NotGenerated`` when it is missing or a CSV lacks one of ``columns``; the line then names ``command``
    (default: rerun the notebook ``folder``; a folder that is no notebook must name its command)."""
    if command is None:
        assert folder[:2].isdigit(), f"results/{profile}/{folder} is made by no notebook: name its command"
        command = reproduce(profile, folder)
    path = RESULTS_ROOT / profile / folder / name
    if not path.exists():
        raise NotGenerated(command)
    if path.suffix == ".json":
        return json.loads(path.read_text())
    if path.suffix != ".csv":
        return path.read_text()
    table = pd.read_csv(path, dtype={"commit": str})  # a hash of digits alone ("5697495944", "1e58120097") is no number
    if not set(columns) <= set(table.columns):
        raise NotGenerated(command)
    return table


def optional(profile, folder, name, columns=()):
    """Like ``stored``, but None when the file is not there: for parts a block shows only when they exist."""
    try:
        return stored(profile, folder, name, command="", columns=columns)
    except NotGenerated:
        return None


def render(block, *args):
    """The block's markdown, or the one standard line when a result it needs is not generated yet."""
    try:
        return block(*args)
    except NotGenerated as missing:
        return missing.line


def is_missing(x):
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def number(x, spec=".2f"):
    """``x`` formatted by ``spec``; a missing value is ``MISSING``."""
    return MISSING if is_missing(x) else format(x, spec)


def signed(x, digits=2):
    return number(x, f"+.{digits}f")


def interval(value, low, high, digits=2):
    """A difference with its interval: ``+0.12 [-0.05, +0.30]``."""
    return f"{signed(value, digits)} [{signed(low, digits)}, {signed(high, digits)}]"


def interval_of(row):
    """``interval`` of a one-row selection of a table with ``diff``, ``ci_low`` and ``ci_high`` columns."""
    return interval(row["diff"].iloc[0], row.ci_low.iloc[0], row.ci_high.iloc[0])


def percent(fraction, digits=0, sign=False):
    """A fraction as a percentage: ``0.125`` -> ``12 %``."""
    return MISSING if is_missing(fraction) else f"{100 * fraction:{'+' if sign else ''}.{digits}f} %"


def count(x):
    """An integer with thousands separators."""
    return MISSING if is_missing(x) else f"{int(x):,}"


def millions(x, digits=2):
    return MISSING if is_missing(x) else f"{x / 1e6:.{digits}f}M"


def bold(text):
    return f"**{text}**"


def _cell(x):
    """A cell's text with its pipes escaped, so a ``|`` in it does not end the cell."""
    return re.sub(r"(?<!\\)\|", r"\\|", str(x))


def markdown(rows, columns):
    """A markdown table of ``rows`` (sequences of cells already formatted as text) under ``columns``."""
    frame = pd.DataFrame([[_cell(c) for c in row] for row in rows], columns=[_cell(c) for c in columns])
    return frame.to_markdown(index=False, disable_numparse=True)


def source(profile, folder, *names, note=""):
    """The line naming the stored tables a block shows: ``_Source: `results/<profile>/<folder>/a.csv`, `b.csv`._``."""
    files = ", ".join([f"`results/{profile}/{folder}/{names[0]}`"] + [f"`{n}`" for n in names[1:]])
    return f"_Source: {files}{' ' + note if note else ''}._"
