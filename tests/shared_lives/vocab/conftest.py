from tests.shared_lives.households.conftest import vocab  # noqa: F401
