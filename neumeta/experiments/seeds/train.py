"""Train (or resume) one run of the seed study outside its notebook, e.g. in the background:

    OMP_NUM_THREADS=1 nohup python -m neumeta.experiments.seeds.train cpu resnet20-inr 1 &
    python -m neumeta.experiments.seeds.train cpu --status        # which runs are built

Every epoch is checkpointed; a killed run resumes where it stopped, and a finished one is reused.
"""
import argparse

from neumeta.experiments.seeds.runs import RUNS, checkpoints, train
from neumeta.parallel.launch import cli_profile
from neumeta.store.checkpoints import is_built, partial_path


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m neumeta.experiments.seeds.train",
                                     description="Train (or resume) one run of the seed study.")
    parser.add_argument("profile")
    parser.add_argument("run", nargs="?", choices=RUNS)
    parser.add_argument("seed", nargs="?", type=int)
    parser.add_argument("--status", action="store_true", help="list every run's checkpoints; train nothing")
    args = parser.parse_args(argv)
    P = cli_profile(parser, args.profile)
    if args.status:
        for run in RUNS:
            for seed in [0, *P["seed_study_seeds"]]:
                files = checkpoints(P, run, seed)
                state = ("built" if all(is_built(f) for f in files) else
                         "partial" if any(partial_path(f).exists() for f in files) else "not started")
                print(f"{run:<13} seed {seed}: {state:<12} {files[-1].name}")
        return
    if args.run is None or args.seed is None:
        parser.error("name a run and a seed (or --status)")
    if args.seed not in P["seed_study_seeds"]:
        parser.error(f"seed must be one of the profile's seed_study_seeds {P['seed_study_seeds']} (seed 0 is the "
                     f"committed artifact), got {args.seed}")
    info = train(P, args.run, args.seed)
    print(f"{args.run} seed {args.seed}: {info.get('train_seconds', 0) / 3600:.2f} h of training", flush=True)


if __name__ == "__main__":
    main()
