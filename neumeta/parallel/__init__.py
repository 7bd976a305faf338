"""Running beyond one process: data-parallel training under ``torchrun`` and sharded evaluation.

Every trainer runs unchanged as one process; launched by ``torchrun --nproc_per_node N`` it splits each
global batch over the N processes (``batches.py``), averages gradients with DistributedDataParallel
(``data_parallel.py``), keeps BatchNorm statistics those of the global batch (``batchnorm.py``), and lets
rank 0 alone write checkpoints and results (``world.py``).
"""
