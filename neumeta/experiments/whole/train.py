"""Train (or resume) one network of the whole-network experiment outside its notebook, e.g. in the background:

    OMP_NUM_THREADS=1 nohup python -m neumeta.experiments.whole.train cpu thin 0.5 &
    OMP_NUM_THREADS=1 nohup python -m neumeta.experiments.whole.train cpu neumeta &   # the paper's recipe, all blocks
    OMP_NUM_THREADS=1 nohup python -m neumeta.experiments.whole.train cpu followup &  # the follow-up's recipe

Every epoch is checkpointed; a killed run resumes where it stopped, and a finished model is reused.
"""
from neumeta.experiments.whole.followup import train_followup
from neumeta.experiments.whole.inr import train_whole_neumeta
from neumeta.experiments.whole.thin import train_thin
from neumeta.parallel.commands import training_command

NETWORKS = {
    "thin": (lambda P, gamma: train_thin(gamma, P), "whole_thin_gammas",
             "thin network at gamma = {value:g}: test accuracy {test_acc:.2f} %"),
    "neumeta": (lambda P, _: train_whole_neumeta(P), None, "whole-network INR: {hours:.2f} h of training"),
    "followup": (lambda P, _: train_followup(P), None, "follow-up recipe INR: {hours:.2f} h of training")}


def main(argv=None):
    training_command("python -m neumeta.experiments.whole.train",
                     "Train (or resume) one network of the whole-network experiment.", NETWORKS,
                     "thin: the compression ratio of every block's inner width", float, argv)


if __name__ == "__main__":
    main()
