"""Neural Metamorphosis (Yang & Wang, ECCV 2024): a thin library behind the numbered notebooks.

The packages are floors, each importing only from the floors below it (``docs/layout.md``):
    config, hardware, stats, seed, paper       ground: profiles, the machine, statistics, seeding, the paper's numbers
    store, progress                            persistence (checkpoints, results) and progress bars
    models, data, parallel, metrics, plotting  the parts
    training                                   the one resumable trainer
    method                                     NeuMeta: spec, INR, engine, permutation, folding, merge, INR training
    evaluation                                 evaluating generated widths
    baselines                                  Slimmable, INN, structured pruning
    experiments/                               one package per notebook family
    tooling                                    pipeline, build graph, provenance, compare, report, gallery
"""
__version__ = "0.1.0"
