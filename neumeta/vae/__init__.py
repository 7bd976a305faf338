"""Image generation (Figures 6 and 7): VAEs whose decoder NeuMeta resizes, their baselines and metrics."""
