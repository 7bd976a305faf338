"""Train (or resume) one of the segmentation experiment's networks outside its notebook, e.g. in the background:

    OMP_NUM_THREADS=1 nohup python -m neumeta.experiments.segmentation.train cpu base &
    OMP_NUM_THREADS=1 nohup python -m neumeta.experiments.segmentation.train cpu individual 64 &
    OMP_NUM_THREADS=1 nohup python -m neumeta.experiments.segmentation.train cpu slimmable &
    OMP_NUM_THREADS=1 nohup python -m neumeta.experiments.segmentation.train cpu neumeta &

Every epoch is checkpointed; a killed run resumes where it stopped, and a finished model is reused.
"""
from neumeta.experiments.segmentation.inr import train_neumeta
from neumeta.experiments.segmentation.models import train_model, train_slimmable
from neumeta.parallel.commands import training_command

NETWORKS = {
    "base": (lambda P, _: train_model(P), None, "base U-Net: held-out mIoU {held_out_miou:.2f} %"),
    "individual": (lambda P, width: train_model(P, width), "seg_individual_widths",
                   "individual U-Net h={value}: held-out mIoU {held_out_miou:.2f} %"),
    "slimmable": (lambda P, _: train_slimmable(P), None, "Slimmable U-Net: held-out mIoU at full width "
                  "{held_out_miou:.2f} %"),
    "neumeta": (lambda P, _: train_neumeta(P), None, "U-Net NeuMeta INR: {hours:.2f} h of training")}


def main(argv=None):
    training_command("python -m neumeta.experiments.segmentation.train",
                     "Train (or resume) one network of the segmentation experiment.", NETWORKS,
                     "the block's inner width (individual only)", int, argv)


if __name__ == "__main__":
    main()
