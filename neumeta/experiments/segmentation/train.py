"""Train (or resume) one of the segmentation experiment's networks outside its notebook, e.g. in the background:

    OMP_NUM_THREADS=1 nohup python -m neumeta.experiments.segmentation.train cpu base &
    OMP_NUM_THREADS=1 nohup python -m neumeta.experiments.segmentation.train cpu individual 64 &
    OMP_NUM_THREADS=1 nohup python -m neumeta.experiments.segmentation.train cpu slimmable &
    OMP_NUM_THREADS=1 nohup python -m neumeta.experiments.segmentation.train cpu neumeta &

Every epoch is checkpointed; a killed run resumes where it stopped, and a finished model is reused.
"""
import argparse

from neumeta.experiments.segmentation.models import train_model, train_slimmable
from neumeta.models.unet import FULL_WIDTH
from neumeta.parallel.launch import cli_profile


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m neumeta.experiments.segmentation.train",
                                     description="Train (or resume) one network of the segmentation experiment.")
    parser.add_argument("profile")
    parser.add_argument("network", choices=["base", "individual", "slimmable", "neumeta"])
    parser.add_argument("width", nargs="?", type=int, help="the block's inner width (individual only)")
    args = parser.parse_args(argv)
    P = cli_profile(parser, args.profile)
    if args.network == "individual":
        if args.width not in P["seg_individual_widths"]:
            parser.error(f"width must be one of the profile's seg_individual_widths {P['seg_individual_widths']}, "
                         f"got {args.width}")
        width = args.width
    elif args.network == "neumeta":
        from neumeta.experiments.segmentation.inr import train_neumeta
        _, info = train_neumeta(P)
        print(f"U-Net NeuMeta INR: {info.get('train_seconds', 0) / 3600:.2f} h of training", flush=True)
        return
    elif args.network == "slimmable":
        _, info = train_slimmable(P)
        print(f"Slimmable U-Net: held-out mIoU at full width {info['held_out_miou']:.2f} %", flush=True)
        return
    else:
        width = FULL_WIDTH
    _, info = train_model(P, width)
    print(f"{args.network} U-Net h={width}: held-out mIoU {info['held_out_miou']:.2f} %", flush=True)


if __name__ == "__main__":
    main()
