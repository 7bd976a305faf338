"""Neural Metamorphosis (Yang & Wang, ECCV 2024): a thin library behind the numbered notebooks.

Modules, one job each:
    data          datasets by name and split, offline-friendly
    models        target networks at any width (CIFAR ResNet, LeNet, ResNet-18)
    train         resumable supervised training;  base_models: the pretrained starting points
    checkpoints   hashed, atomic, weights_only checkpoint store
    fuse          BN folding;  permute: channel ordering by shortest Hamiltonian path
    spec          what is generated;  inr: the hypernetwork;  engine: running generated weights
    inr_train     training the INR;  experiment: one task end to end;  export: any width to a plain model
    profiles      smoke / cpu / paper values;  pipeline: papermill runner;  results, plotting, report
"""
__version__ = "0.1.0"
