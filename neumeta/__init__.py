"""Neural Metamorphosis (Yang & Wang, ECCV 2024): a thin library behind the numbered notebooks.

The packages are floors, each importing only from the floors below it (``docs/layout.md``):
    config, hardware, stats, seed, paper       ground: profiles, the machine, statistics, seeding, the paper's numbers
    store, progress                            persistence (checkpoints, results) and progress bars
    models, data, parallel, metrics, plotting  the parts
    training                                   the one resumable trainer
    method                                     NeuMeta: spec, INR, engine, permutation, folding, merge, INR training
    evaluation                                 evaluating generated widths
    baselines                                  Slimmable, INN, structured pruning
    api                                        the public API: NeuMeta on a network of your own
    experiments/                               one package per notebook family
    tooling                                    pipeline, build graph, provenance, compare, report, gallery
"""
import importlib

__version__ = "0.1.0"


def __getattr__(name):
    """The public API (``neumeta.api``), imported on first use: ``import neumeta.method`` stays light, and a
    notebook that never touches the API does not depend on its code."""
    api = importlib.import_module("neumeta.api")
    if name in api.__all__:
        return getattr(api, name)
    raise AttributeError(f"module 'neumeta' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + importlib.import_module("neumeta.api").__all__)
