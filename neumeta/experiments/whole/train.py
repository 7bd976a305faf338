"""Train (or resume) one network of the whole-network experiment outside its notebook, e.g. in the background:

    OMP_NUM_THREADS=1 nohup python -m neumeta.experiments.whole.train cpu thin 0.5 &
    OMP_NUM_THREADS=1 nohup python -m neumeta.experiments.whole.train cpu neumeta &   # the paper's recipe, all blocks
    OMP_NUM_THREADS=1 nohup python -m neumeta.experiments.whole.train cpu followup &  # the follow-up's recipe

Every epoch is checkpointed; a killed run resumes where it stopped, and a finished model is reused.
"""
import argparse

from neumeta.experiments.whole.thin import train_thin
from neumeta.parallel.launch import cli_profile


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m neumeta.experiments.whole.train",
                                     description="Train (or resume) one network of the whole-network experiment.")
    parser.add_argument("profile")
    parser.add_argument("network", choices=["thin", "neumeta", "followup"])
    parser.add_argument("gamma", type=float, nargs="?", help="thin: the compression ratio of every block's inner width")
    args = parser.parse_args(argv)
    P = cli_profile(parser, args.profile)
    if args.network == "followup":
        from neumeta.experiments.whole.followup import train_followup
        _, info = train_followup(P)
        print(f"follow-up recipe INR: {info.get('train_seconds', 0) / 3600:.2f} h of training", flush=True)
        return
    if args.network == "neumeta":
        from neumeta.experiments.whole.inr import train_whole_neumeta
        _, info = train_whole_neumeta(P)
        print(f"whole-network INR: {info.get('train_seconds', 0) / 3600:.2f} h of training", flush=True)
        return
    if args.gamma not in P["whole_thin_gammas"]:
        parser.error(f"gamma must be one of the profile's whole_thin_gammas {P['whole_thin_gammas']}, got {args.gamma}")
    _, info = train_thin(args.gamma, P)
    print(f"thin ResNet-20 at gamma = {args.gamma:g}: test accuracy {info['test_acc']:.2f} %", flush=True)


if __name__ == "__main__":
    main()
