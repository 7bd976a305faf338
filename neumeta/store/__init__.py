"""Where results and artifacts live: profiles, checkpoints, the pipeline, results, report."""
