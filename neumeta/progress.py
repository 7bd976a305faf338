"""One switch for progress bars: interactive runs get tqdm, CI logs stay quiet, headless logs get lines."""
import os
import re
import sys

from tqdm import tqdm

from neumeta.hardware.world import is_main

HEADLESS_INTERVAL = 30.0  # seconds between two progress lines in a log
_ESCAPES = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # cursor moves tqdm uses to stack nested bars


class _Lines:
    """A file for tqdm that turns each refresh ("\\r" + bar) into one finished line: a log shows the bar moving
    instead of a single "0 %" that later refreshes overwrite in place."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        text = _ESCAPES.sub("", text).replace("\r", "").rstrip()
        if text:
            self.stream.write(text + "\n")

    def flush(self):
        self.stream.flush()


def progress(iterable=None, **kwargs):
    """tqdm, except: TQDM_DISABLE=1 (set in CI) silences every bar; in a headless run (a notebook the pipeline
    runs, or output to a file) a bar prints one line every HEADLESS_INTERVAL seconds, and only once it has run
    that long: the many short bars (one evaluation pass) stay out of the log, long work shows it is moving."""
    kwargs.setdefault("disable", os.environ.get("TQDM_DISABLE", "0") == "1")
    if not is_main():  # under torchrun only rank 0 shows progress
        kwargs["disable"] = True
    pipeline_kernel = bool(os.environ.get("NEUMETA_NOTEBOOK"))  # a notebook the pipeline runs through papermill
    if pipeline_kernel or (not sys.stderr.isatty() and "ipykernel" not in sys.modules):
        kwargs.setdefault("delay", HEADLESS_INTERVAL)
        kwargs.setdefault("mininterval", HEADLESS_INTERVAL)
        kwargs.setdefault("file", _Lines(sys.stderr))
        kwargs.setdefault("ascii", True)
        kwargs.setdefault("ncols", 100)
    else:
        kwargs.setdefault("dynamic_ncols", True)
    return tqdm(iterable, **kwargs)
