"""The methods NeuMeta is compared with: Slimmable, INN, structured pruning, Table 2's jobs."""
