"""One switch for progress bars: interactive runs get tqdm, CI logs stay quiet, headless logs get lines."""
import os
import sys

from tqdm import tqdm

HEADLESS_INTERVAL = 30.0  # seconds between two progress lines in a log


class _Lines:
    """A file for tqdm that turns each refresh ("\\r" + bar) into one finished line: a log shows the bar moving
    instead of a single "0 %" that later refreshes overwrite in place."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        text = text.replace("\r", "").rstrip()
        if text:
            self.stream.write(text + "\n")

    def flush(self):
        self.stream.flush()


def progress(iterable=None, **kwargs):
    # TQDM_DISABLE=1 (set in CI) silences every bar; headless runs (papermill kernels, nohup) print a line
    # every HEADLESS_INTERVAL seconds.
    kwargs.setdefault("disable", os.environ.get("TQDM_DISABLE", "0") == "1")
    pipeline_kernel = bool(os.environ.get("NEUMETA_NOTEBOOK"))  # a notebook the pipeline runs through papermill
    if pipeline_kernel or (not sys.stderr.isatty() and "ipykernel" not in sys.modules):
        kwargs.setdefault("mininterval", HEADLESS_INTERVAL)
        kwargs.setdefault("file", _Lines(sys.stderr))
        kwargs.setdefault("ascii", True)
        kwargs.setdefault("ncols", 100)
    else:
        kwargs.setdefault("dynamic_ncols", True)
    return tqdm(iterable, **kwargs)
