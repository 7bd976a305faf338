"""The pipeline's running commentary: which cell of which notebook runs, and what it prints."""
import logging


class CellLog(logging.Handler):
    """papermill's log of a running notebook as lines that say where it is: "[neumeta] 30_table2 cell 8/17"
    when a cell starts, then the cell's printed output (progress lines included), each line prefixed."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.notebook, self.cells = "", 0

    def emit(self, record):
        message = record.getMessage()
        if message.startswith("Executing Cell "):
            number = message[len("Executing Cell "):].rstrip("-").strip()
            text = f"[neumeta] {self.notebook} cell {number}/{self.cells}"
        elif message.startswith(("Ending Cell", "Executing notebook with kernel", "Input Notebook", "Output Notebook",
                                 "Working directory")):  # a path of this machine, not progress
            return
        else:
            text = "\n".join(f"  {self.notebook} | {line}" for line in message.rstrip().splitlines() if line.strip())
        if text:
            print(text, flush=True)


CELL_LOG = CellLog()
