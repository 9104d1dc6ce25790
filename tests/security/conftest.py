"""The portal tests' sandbox fixtures, for the attacks on the sandbox."""

from ..portal.conftest import make_sandbox, sandbox  # noqa: F401 (fixtures, used by name)
