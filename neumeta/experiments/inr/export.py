"""The export command: NeuMeta's network at one width as a plain state dict of the standard model class
(see ``neumeta.method.export``).

    python -m neumeta.experiments.inr.export --profile cpu --arch resnet20 --width 24 --out resnet20-d24.pt
"""
import argparse
import os

from neumeta.method.export import export_width
from neumeta.models import check_width


def main(argv=None):
    from neumeta.experiments.inr.experiment import SPECS, build_inr, inr_checkpoint_path, train_neumeta
    from neumeta.config.profiles import resolve_profile
    parser = argparse.ArgumentParser(description="Save NeuMeta's network at one width as a plain state dict.")
    parser.add_argument("--profile", default=None)
    parser.add_argument("--arch", choices=["resnet20", "lenet"], default="resnet20")
    parser.add_argument("--width", type=int, required=True)
    parser.add_argument("--samples", type=int, default=100, help="K noisy draws averaged (1 = clean)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    try:  # every check before any work: the profile, the width, K, the INR being there, the memory
        P = resolve_profile(args.profile)
        check_width(args.width, "--width")
        if args.samples < 1:
            raise ValueError(f"--samples must be >= 1, got {args.samples}")
    except ValueError as e:
        parser.error(str(e))
    dataset = {"resnet20": "cifar10", "lenet": "mnist"}[args.arch]
    inr_path = inr_checkpoint_path(args.arch, dataset, P)
    if not inr_path.exists():  # exporting reads an INR, it never trains one (FORCE or not)
        parser.error(f"no trained INR for {args.arch} in profile {P['profile']} ({inr_path.name}); train it first with "
                     f"`python -m neumeta.experiments.inr.experiment {P['profile']} {args.arch}`")
    try:
        build_inr(SPECS[args.arch], P, args.arch).check_memory(args.width, args.samples)
    except MemoryError as e:
        parser.error(str(e))
    os.environ["NEUMETA_FORCE"] = "0"  # never retrain here
    inr, target, _ = train_neumeta(args.arch, dataset, P)  # reuses the stored INR
    export_width(inr, target, args.width, args.out, args.arch, args.samples, P["inr_noise"], P["seed"])
    print(f"saved {args.arch} at width {args.width} to {args.out}: "
          f"load with build_model('{args.arch}', width={args.width}).load_state_dict(torch.load(path, weights_only=True))")


if __name__ == "__main__":
    main()
