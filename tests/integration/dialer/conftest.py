"""The dispatcher wire tests' fixtures (a simulated switch, controllers on it), reused."""

from tests.integration.dispatch.conftest import desk_factory, sim, store_path  # noqa: F401
