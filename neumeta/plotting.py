"""One plotting style and byte-deterministic figure files (PNG + PDF)."""
import io

import matplotlib

matplotlib.use("Agg")  # headless everywhere; notebooks still show figures inline via IPython.display
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

from neumeta.store.atomic import atomic_write  # noqa: E402
from neumeta.store.results import figures_dir  # noqa: E402

COLORS = {"NeuMeta": "#CF5530", "Individual": "#5471AB", "KD": "#6AA66E"}  # the paper's colours


def set_style():
    sns.set_theme(context="paper", style="whitegrid")
    plt.rcParams.update({
        "font.family": "serif", "font.serif": ["STIXGeneral", "DejaVu Serif"], "mathtext.fontset": "stix",
        "svg.hashsalt": "neumeta", "figure.dpi": 100, "savefig.dpi": 150,
    })


def savefig(fig, name, profile):
    """Save ``fig`` as ``<name>.png`` and ``<name>.pdf``; same data, same bytes on every run."""
    out = figures_dir(profile)
    paths = []
    for ext, metadata in (("png", {"Software": None}),
                          ("pdf", {"Creator": None, "Producer": None, "CreationDate": None})):
        buf = io.BytesIO()
        fig.savefig(buf, format=ext, metadata=metadata, bbox_inches="tight")
        with atomic_write(out / f"{name}.{ext}", "wb") as f:
            f.write(buf.getvalue())
        paths.append(out / f"{name}.{ext}")
    return paths
