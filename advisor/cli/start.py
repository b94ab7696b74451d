"""The commands for a first run without writing YAML: `init` (asks for the numbers TikTok Studio shows, writes a
profile, shows its plan) and `example` (the example profiles installed with the package).

Registered on the `creator-advisor` group by `register_commands` (see the end of advisor/cli/main.py); the work is in
advisor.profile.init_profile and advisor.profile.examples.
"""

from __future__ import annotations

import click

from advisor.cli.common import engine_option
from advisor.cli.common import fail_cleanly as _fail_cleanly


@click.command("example")
@click.argument("name", required=False)
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write the example profile to this file instead of standard output (an existing file is kept "
                   "unless --force).")
@click.option("--force", is_flag=True, help="Replace the -o file if it exists.")
@_fail_cleanly
def example_command(name: str | None, output: str | None, force: bool) -> None:
    """Print the example profile NAME (YAML), installed with creator-advisor; without NAME, list the examples.
    Try: creator-advisor example rising-baker-6k -o profile.yaml && creator-advisor plan profile.yaml"""
    from advisor.profile.examples import example_names, example_path, example_summary

    if name is None:
        width = max(len(item) for item in example_names())
        for item in example_names():
            click.echo(f"{item:<{width}}  {example_summary(item)}")
        return
    text = example_path(name).read_text(encoding="utf-8")
    if output:
        from advisor.profile.init_profile import write_new_profile

        write_new_profile(output, text, force=force)
        click.echo(f"Wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


@click.command("init")
@click.argument("profile", required=False, default="profile.yaml", type=click.Path(dir_okay=False))
@click.option("--example", "example", default=None, metavar="NAME",
              help="Start from an installed example (creator-advisor example lists them) instead of questions.")
@click.option("--force", is_flag=True, help="Replace PROFILE if it exists.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None,
              help="Write the plan to this file (plan.md, plan.html, plan.json) instead of the summary.")
@engine_option
@click.pass_context
@_fail_cleanly
def init_command(ctx: click.Context, profile: str, example: str | None, force: bool, output: str | None,
                 engine: str | None) -> None:
    """Write a profile without writing YAML: answer the questions (each says where TikTok shows the number;
    press Enter to skip one), or start from --example NAME. Then show the plan for it. PROFILE defaults to
    profile.yaml."""
    from pathlib import Path

    from advisor.cli.plan import plan
    from advisor.profile.init_profile import ask_profile, profile_yaml, write_new_profile
    from engine import choose_engine

    choose_engine(engine)  # an engine that cannot run here stops before the questions, with nothing written

    if Path(profile).exists() and not force:  # before the questions, not after them
        from advisor.errors import ProfileExistsError

        raise ProfileExistsError(f"{profile} already exists; give another file name, or --force to replace it")
    if example:
        from advisor.profile.examples import example_path

        text = example_path(example).read_text(encoding="utf-8")
    else:
        from advisor.profile.init_profile import STUDIO_HOW

        click.echo("A few numbers from TikTok make your plan; each question says where to find one. "
                   f"{STUDIO_HOW}.", err=True)
        answers = ask_profile(lambda key: click.prompt("  >", default="", show_default=False, prompt_suffix=" ", err=True),
                              lambda text: click.echo(text, err=True))
        text = profile_yaml(answers)
    write_new_profile(profile, text, force=force)
    click.echo(f"Wrote {profile}; run `creator-advisor plan {profile}` again after you change it.\n", err=True)
    ctx.invoke(plan, profile=profile, fmt=None, output=output, template=None, rules=(), overlays=(), as_of=None, explain=False,
               fix=False, engine=engine)


def register_commands(group: click.Group) -> None:
    """Add `init` and `example` to the creator-advisor command group."""
    group.add_command(init_command)
    group.add_command(example_command)
