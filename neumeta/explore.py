"""A width slider for any family of generated networks: pick a width, see the network's accuracy and its
generated kernels.

In Jupyter the slider regenerates the network at each width it is moved to; run headless (papermill, nbval) the
same call draws the static figure at the default width, and the widget stays an inert view. The caller passes
two functions, so the slider knows nothing of how the networks are made.
"""
import time

import matplotlib.pyplot as plt
import torch

from neumeta.stats import spread_indices


def spread_images(dataset, count):
    """``count`` images and labels spread evenly over ``dataset``, as two tensors (what a slider scores on): the
    CIFAR test set is stored class by class, so its first images would all be one or two classes."""
    pairs = [dataset[int(i)] for i in spread_indices(len(dataset), count)]
    return torch.stack([x for x, _ in pairs]), torch.tensor([int(y) for _, y in pairs])


def width_panel(network_at, kernel_of, images, labels, width):
    """``(figure, accuracy, seconds)`` for the network at ``width``: ``network_at(width)`` builds it,
    ``kernel_of(network)`` picks the 2-D view of its generated kernels to draw ([channels, entries])."""
    t0 = time.perf_counter()
    net = network_at(width)
    with torch.no_grad():
        accuracy = 100.0 * (net(images).argmax(1) == labels).float().mean().item()
        kernels = kernel_of(net).detach().float()
    seconds = time.perf_counter() - t0
    fig, ax = plt.subplots(figsize=(6.4, 2.6))
    bound = kernels.abs().max().item() or 1.0
    ax.imshow(kernels.T.numpy(), aspect="auto", cmap="RdBu_r", vmin=-bound, vmax=bound, interpolation="nearest")
    ax.set(xlabel="channel of the generated width", ylabel="kernel entry",
           title=f"width {width}: {accuracy:.2f} % on {len(labels)} test images, generated in {seconds:.2f} s")
    fig.tight_layout()
    return fig, accuracy, seconds


def width_slider(network_at, kernel_of, images, labels, default, lowest, highest, step=1):
    """Draw the default width's panel now (the static figure) and return a slider that redraws it in Jupyter."""
    import ipywidgets as widgets
    from IPython.display import display

    fig, _, _ = width_panel(network_at, kernel_of, images, labels, default)
    plt.show()
    plt.close(fig)
    out = widgets.Output()
    slider = widgets.IntSlider(value=default, min=lowest, max=highest, step=step, description="width",
                               continuous_update=False)

    def redraw(change):
        with out:
            out.clear_output(wait=True)
            panel, _, _ = width_panel(network_at, kernel_of, images, labels, change["new"])
            plt.show()
            plt.close(panel)

    slider.observe(redraw, names="value")
    display(widgets.VBox([slider, out]))
    return slider
