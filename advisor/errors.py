"""Every error the advisor raises to its callers, under one base class.

The CLI turns any `AdvisorError` (and the engine's `EngineError`) into `Error: <message>` and exit code 1; the
Python API lets them propagate. Each subclass says when it is raised.
"""

from __future__ import annotations

from engine import Problem


class AdvisorError(Exception):
    """Base class of every error the advisor raises."""


class LocatedProblemsError(AdvisorError):
    """Base of the errors that carry every located problem of an input (not raised itself): one problem is the
    message; several are counted, then listed one a line."""

    subject = "the input"

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        if len(self.problems) == 1:
            message = str(self.problems[0])
        else:
            message = f"{len(self.problems)} problems in {self.subject}:\n" + "\n".join(
                f"  {problem}" for problem in self.problems)
        super().__init__(message)


class ProfileError(LocatedProblemsError):
    """A profile file or mapping is unusable: unreadable, malformed, an unknown key, a wrong type, a negative
    count, an impossible date. Carries every located problem found."""

    subject = "the profile"


class ProfileRefusedError(ProfileError):
    """A valid profile the advisor will not plan for: the rule pack says the creator is below the platform's
    minimum age (its `below_minimum_age` conclusion). The message is the pack's own explanation; `rules` are the
    rules that fired for it (rule tests check them)."""

    def __init__(self, problems: list[Problem], rules: frozenset[str] = frozenset()):
        super().__init__(problems)
        self.rules = rules


class ResourceMissingError(AdvisorError):
    """The packaged rules or templates cannot be found (a broken installation)."""


class RenderError(AdvisorError):
    """A report could not be rendered: an unknown format, or a template that failed (named)."""


class FormatError(AdvisorError):
    """Raised when --format and the output file's extension name different report formats."""


class UnknownExampleError(AdvisorError):
    """Raised when an example name is not one of the examples installed with the package."""


class ProfileExistsError(AdvisorError):
    """Raised when `init` would overwrite an existing profile file without --force."""


class OutputError(AdvisorError):
    """A report could not be written (a missing folder, a full or read-only disk). No partial file is left."""


class RuleTestError(LocatedProblemsError):
    """A rule-test file (a pack's `tests/*.yaml`) is unusable: malformed YAML, an unknown key, an expectation naming
    a programme, rule or category the pack does not have, a contradictory expectation, a missing `profile_file`, or
    a profile that fails its own checks. Carries every located problem of every test file, so an author fixes them
    all in one pass instead of one per run."""

    subject = "the rule tests"


class ImportSourceError(ProfileError):
    """A file given to the importers (a TikTok API response, a Research API record, a data export) is unusable:
    not JSON or cut short, an API error envelope, a missing or malformed field, sources that do not fit together.
    Each problem names the file and the field, in the source's own terms (`data.user.follower_count`). A subclass
    of ProfileError: whoever reads profiles catches both."""

    subject = "the imported data"
