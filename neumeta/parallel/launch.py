"""The start of every command line: join torchrun's process group (when launched by it), then read the
profile, so that a bad value ends the command with one line before any work."""
from neumeta.config.profiles import resolve_profile
from neumeta.hardware.world import setup


def cli_profile(parser, name, overrides=None):
    """``resolve_profile`` for a command line: a bad profile name or value ends the command through
    ``parser.error`` (one line naming the value and what is allowed, exit code 2) before any work."""
    setup()  # under torchrun: join the process group before any work
    try:
        return resolve_profile(name, overrides or {}, strict=False)
    except ValueError as e:  # UnknownProfileError and ProfileValueError are ValueErrors
        parser.error(str(e))
