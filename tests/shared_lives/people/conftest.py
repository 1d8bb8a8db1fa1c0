from tests.shared_lives.households.conftest import other_household, vocab  # noqa: F401
