"""Numbers the follow-up reports (Sommariva et al., arXiv 2505.05510), quoted for comparison beside ours.

Only ever shown next to our own results, labelled "follow-up"; nothing here feeds a computation. Its setting:
ResNet-56 on CIFAR-100, blocks ``layer3.1``-``layer3.7`` metamorphic, trained on d in [32, 64] (gamma 0-50 %),
gamma = 1 - d / 64; from the authors' plotting script (``print_histo.py``), top-1 test accuracy (%).
The two "ours" series are named as the script's variables; its legend swaps their labels, so which one is the
150-epochs-per-block run is not certain.
"""

SETTING = ("resnet56", "cifar100", "followup")  # (whole_arch, whole_dataset, whole_blocks) of these numbers

FOLLOWUP_REPORTED = {  # series -> {gamma: accuracy}
    "Individual": {0.0: 72.63, 0.25: 71.50, 0.5: 71.78, 0.75: 70.59},
    "follow-up recipe (variable `ours`)": {0.0: 66.13, 0.25: 66.00, 0.5: 66.10, 0.75: 65.36},
    "follow-up recipe (variable `ours_150`)": {0.0: 69.17, 0.25: 69.25, 0.5: 69.10, 0.75: 61.65},
    "NeuMeta, original recipe on many blocks": {0.0: 49.03, 0.25: 48.69, 0.5: 48.65, 0.75: 45.38},
}

# which of our rows each reported series stands beside
OUR_ROW = {"Individual": "Individual",
           "follow-up recipe (variable `ours`)": "NeuMeta (follow-up recipe)",
           "follow-up recipe (variable `ours_150`)": "NeuMeta (follow-up recipe)",
           "NeuMeta, original recipe on many blocks": "NeuMeta (paper recipe)"}
