"""Which merge each width of notebook 20's sweep gets.

The K-sample merge (the paper's protocol, K = ``inr_eval_samples`` draws) is most of the sweep's cost. It is kept
wherever a number is a paper number or is read as one: ``inr_<arch>_kmerge_widths`` must hold Table 2's widths,
Figure 9's and Figure 5's within the sweep (the profile schema checks it). Between them the sweep's line may use the
deterministic n x n Gauss-Legendre merge plus the clean point (``inr_sweep_merge_points`` = n; 0 keeps the K-sample
merge at every width): about n² + 1 INR passes instead of K, no random draw. Notebook 20's ``merge_rules`` table
compares that rule with the K-sample merge (and the K-sample merge with another seed) at every 4th width of every
run, so the reading it rests on is recomputed each time.
"""

def sweep_merge(P, arch, width):
    """``(rule, passes)``: ``("mc", K)`` at a K-sample width (or everywhere when ``inr_sweep_merge_points`` is 0),
    else ``(("gauss-legendre", n), n * n + 1)``."""
    n = P["inr_sweep_merge_points"]
    if n == 0 or width in P[f"inr_{arch}_kmerge_widths"]:
        return "mc", P["inr_eval_samples"]
    return ("gauss-legendre", n), n * n + 1


def merge_label(rule, passes):
    """How a table names a merge: "K = 100" or "Gauss-Legendre 3 x 3 + clean"."""
    return f"K = {passes}" if rule == "mc" else f"Gauss-Legendre {rule[1]} x {rule[1]} + clean"

