"""Neural Metamorphosis (Yang & Wang, ECCV 2024): a thin library behind the numbered notebooks.

Grouped by role:
    method/      the paper's method: spec (what is generated), inr (the hypernetwork), engine (running
                 generated weights), training (the INR's objective and trainer), permute + folding (the
                 smooth target), targets, experiment (one task end to end), export (any width to a plain model)
    baselines/   what NeuMeta is compared with: slimmable, inn, pruning, table2 (Table 2's jobs)
    training/    supervised training: classifier (resumable trainer), base_models (the pretrained starting
                 points and the recipe every baseline shares), parallel_bench
    store/       profiles, checkpoints and artifacts, pipeline (papermill runner), results, report, atomic
    data, models, metrics, plotting, progress, seed, paper   shared by all of the above
"""
__version__ = "0.1.0"
