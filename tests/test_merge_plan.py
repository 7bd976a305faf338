"""Which merge each width of notebook 20's sweep gets: the K-sample merge wherever a number is read as the paper's,
the deterministic rule between, and a profile that would swap a paper number's merge refused."""
from neumeta.config.relations import kmerge_problems
from neumeta.experiments.inr.merge_plan import merge_label, sweep_merge

P = {"inr_sweep_merge_points": 3, "inr_eval_samples": 100, "inr_resnet20_kmerge_widths": [16, 24, 32, 40, 48, 56, 64],
     "inr_lenet_kmerge_widths": [4, 8, 12, 16, 20, 24, 28, 32], "inr_resnet20_widths": list(range(16, 65)),
     "inr_lenet_widths": list(range(4, 33)), "table2_widths": [64, 48, 32, 16],
     "similarity_widths": [64, 56, 48, 40, 32, 24, 16], "prune_resnet20_widths": [64, 56, 48, 40, 32, 24, 16, 8, 4],
     "prune_lenet_widths": [32, 28, 24, 20, 16, 12, 8, 4, 2]}


def test_paper_widths_keep_the_k_sample_merge_and_the_widths_between_take_the_rule():
    assert sweep_merge(P, "resnet20", 48) == ("mc", 100) and sweep_merge(P, "lenet", 12) == ("mc", 100)
    assert sweep_merge(P, "resnet20", 37) == (("gauss-legendre", 3), 10)
    assert sweep_merge(dict(P, inr_sweep_merge_points=0), "resnet20", 37) == ("mc", 100)
    assert merge_label(*sweep_merge(P, "resnet20", 37)) == "Gauss-Legendre 3 x 3 + clean"
    assert merge_label("mc", 100) == "K = 100"


def test_a_profile_that_would_swap_a_paper_numbers_merge_is_refused():
    assert kmerge_problems(P) == []
    problems = kmerge_problems(dict(P, inr_resnet20_kmerge_widths=[16, 32, 48, 64]))
    assert len(problems) == 1 and "[24, 40, 56]" in problems[0]  # Figures 5 and 9 read 24, 40 and 56
    assert kmerge_problems(dict(P, inr_lenet_kmerge_widths=[8, 16, 24, 32], inr_sweep_merge_points=0)) == []


def test_a_profile_that_would_swap_the_ablation_tables_merge_is_refused():
    from neumeta.config.relations import ablation_kmerge_problems
    A = {"ablation_sweep_merge_points": 3, "ablation_resnet20_widths": [16, 24, 32, 40, 48, 56, 64],
         "ablation_lenet_widths": [4, 8, 16, 24, 32], "ablation_resnet20_kmerge_widths": [16, 32, 48, 64],
         "ablation_lenet_kmerge_widths": [8, 16, 24, 32]}
    assert ablation_kmerge_problems(A) == []
    problems = ablation_kmerge_problems(dict(A, ablation_resnet20_kmerge_widths=[16, 64]))
    assert len(problems) == 1 and "[32, 48]" in problems[0]
    assert ablation_kmerge_problems(dict(A, ablation_resnet20_kmerge_widths=[16, 64], ablation_sweep_merge_points=0)) == []
