"""The experiments' background-training commands, one shape for all: a profile, the network to train, and the value
some networks need (a width, a compression ratio), checked against the profile before any work.

    python -m neumeta.experiments.segmentation.train cpu individual 64
"""
import argparse

from neumeta.parallel.launch import cli_profile


def training_command(prog, description, networks, value_help, value_type=float, argv=None):
    """Parse ``argv`` and train one network. ``networks``: ``{name: (train, allowed, done)}``: ``train(P, value)``
    trains or resumes the network and returns ``(model, info)``; ``allowed`` names the profile key listing the
    values the network accepts (None: it takes none); ``done`` is the line printed at the end, formatted with
    ``value``, ``hours`` (of training) and the fields of ``info``."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("profile")
    parser.add_argument("network", choices=list(networks))
    parser.add_argument("value", nargs="?", type=value_type, help=value_help)
    args = parser.parse_args(argv)
    P = cli_profile(parser, args.profile)
    train, allowed, done = networks[args.network]
    if allowed is not None and args.value not in P[allowed]:
        parser.error(f"{args.network} needs one of the profile's {allowed} {P[allowed]}, got {args.value}")
    _, info = train(P, args.value)
    print(done.format(**{**info, "value": args.value, "hours": info.get("train_seconds", 0) / 3600}), flush=True)
