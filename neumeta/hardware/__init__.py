"""What this process runs on: its place among torchrun's processes (``world``) and the machine's
CPU, GPU and precision support (``machine``), and the memory layout inference runs fastest in (``layout``)."""
