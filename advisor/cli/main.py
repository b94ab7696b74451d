"""The `creator-advisor` command: a thin click layer over `advisor.api`.

Each command lives in a module of its own here, parses its options, calls the library, and prints. Every error
the library raises for bad input becomes `Error: <message>` on standard error with exit code 1, never a traceback.
"""

from __future__ import annotations

import click

from advisor import __version__
from advisor.cli import batch, diff, packs, plan, serve, start


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="creator-advisor")
def main() -> None:
    """Where a short-video creator stands and what to do next to earn from their content."""


main.add_command(plan.plan)
main.add_command(packs.rules)
batch.register_commands(main)  # `import` and `batch`
main.add_command(diff.diff_command)
start.register_commands(main)  # `init` and `example`
serve.register_commands(main)
