"""The write sweep's ``ids`` fixture (a record at every stage of the journey), shared by the
audit sweeps: writes, views and the log's contents."""

from tests.shared_lives.audit.test_write_sweep import ids  # noqa: F401
