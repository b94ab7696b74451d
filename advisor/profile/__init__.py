"""The creator's numbers: the profile contract (`reading`: YAML or JSON in, a checked `Profile` out), TikTok's own
data turned into a profile (`importers`), agencies' CSV rows, the bundled examples, `init` and `fix`."""
