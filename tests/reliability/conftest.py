import pytest

# The page walk's scene (a referral shared with agency A, a referrer without an authenticator):
# the Redis-down walk opens the same pages with the same data.
from tests.browser.test_pages import scene  # noqa: F401
from tests.reliability.servers import RedisServer


@pytest.fixture
def redis_server(tmp_path):
    """Our own redis-server on a free loopback port, stopped at the end whatever happens."""
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def mailbox(tmp_path):
    path = tmp_path / "mailbox"
    path.mkdir()
    return path
