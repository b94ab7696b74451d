"""The creator's numbers: the profile as typed data (`model`), read and checked from YAML, JSON or a mapping
(`reading`), TikTok's own data turned into a profile (`importers`), agencies' CSV rows (`csv_input`), the bundled
examples (`examples`), and the `init` and `plan --fix` helpers (`init_profile`, `fix`)."""
