"""One switch for progress bars: interactive runs get tqdm, CI logs stay quiet."""
import os
import sys

from tqdm import tqdm


def progress(iterable=None, **kwargs):
    # TQDM_DISABLE=1 (set in CI) silences every bar; headless runs update rarely so logs stay short.
    kwargs.setdefault("disable", os.environ.get("TQDM_DISABLE", "0") == "1")
    if not sys.stderr.isatty():
        kwargs.setdefault("mininterval", 30.0)
    kwargs.setdefault("dynamic_ncols", True)
    return tqdm(iterable, **kwargs)
