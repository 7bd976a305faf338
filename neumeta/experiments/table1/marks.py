"""Table 1 as the reader sees it: ✓ / ✗ per property (ours beside the paper's) and the measured evidence."""
import pandas as pd

from neumeta.experiments.table1.properties import BETWEEN_WIDTH, UNSEEN_WIDTH

PROPERTIES = ["continuous", "hypernetwork", "resizable", "checkpoint-free", "generalises"]


def mark(value):
    """✓ for true, ✗ for false, "—" where the property does not apply (None or NaN)."""
    return "—" if value is None or (isinstance(value, float) and pd.isna(value)) else ("✓" if value else "✗")


def marked_table(table):
    """The shown table from the stored ``table1``: per method each property's mark with the paper's beside it
    ("?" where the transcription lost it), the accuracy between trained widths and at the unseen width (with the
    gap to the network trained there), the stored models and parameters (millions)."""
    shown = pd.DataFrame({"method": table.method})
    for p in PROPERTIES:
        shown[p] = [f"{mark(o)} (paper {'?' if pd.isna(q) else mark(q)})"
                    for o, q in zip(table[p], table[f"paper_{p}"])]
    shown[f"acc. d={BETWEEN_WIDTH}"] = table.acc_between.round(2)
    shown[f"acc. d={UNSEEN_WIDTH} (gap to trained)"] = [f"{a:.2f} ({g:+.2f})" if pd.notna(g) else f"{a:.2f} (trained)"
                                                        for a, g in zip(table.acc_unseen, table.gap_to_trained_unseen)]
    shown["stored models"] = table.stored_models
    shown["stored params (M)"] = (table.stored_params / 1e6).round(3)
    return shown
