"""The `creator-advisor` command: each module parses one command's options and calls the library; `main` is the
group that holds them."""
