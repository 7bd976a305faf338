"""A list of trainings run in turn by a command line; two such commands side by side split the list."""
from neumeta.store.checkpoints import CheckpointBusyError


def train_in_turn(jobs, skip_busy=False):
    """Run each ``(label, train, summary)``: ``train()`` trains or reuses one model and returns its info,
    ``summary(info)`` says in a few words what came out. With ``skip_busy`` a model whose checkpoint another
    process is training is passed over instead of stopping the list."""
    for label, train, summary in jobs:
        try:
            info = train()
        except CheckpointBusyError:
            if not skip_busy:
                raise
            print(f"{label}: another process is training it; skipped", flush=True)
            continue
        print(f"{label}: {summary(info)}", flush=True)
