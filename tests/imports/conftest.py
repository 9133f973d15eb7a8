import pytest


@pytest.fixture(autouse=True)
def _imports_run_inline(jobs_inline):
    """The import's background job runs in the test's process when the click's transaction commits."""
