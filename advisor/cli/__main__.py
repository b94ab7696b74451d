"""`python -m advisor.cli` runs the `creator-advisor` command."""

from advisor.cli.main import main

main()
