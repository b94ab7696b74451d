"""The package's version: the one place it is written. pyproject.toml reads it from here (setuptools' `attr:`,
read without importing the package), and `advisor.__version__` imports it.

A constant rather than `importlib.metadata.version()`: asking the installed distribution costs ~30 ms of imports
at every start of the command, and a checkout that was never installed could not answer at all.
"""

__version__ = "0.1.0"
