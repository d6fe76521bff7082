import pytest

from documents import scanning
from tests.documents.files import clamd_address


@pytest.fixture
def clamd(settings):
    """The real clamd that .ci/run starts with the repository's test signatures. Without it
    the test skips locally; in CI (PREVENT_REQUIRE_ALL_TESTS=1) a skip is a failure."""
    address = clamd_address()
    if not address or not scanning.ping(address):
        pytest.skip(
            "clamd is not running: scripts/clamav/start-test-clamd.sh DIR, then set "
            "CLAMD_ADDRESS=tcp://127.0.0.1:PORT"
        )
    settings.DOCUMENT_SCANNER = "clamd"
    settings.CLAMD_ADDRESS = address
    return address


@pytest.fixture(autouse=True)
def _own_document_storage(settings, tmp_path):
    """Each test's documents in their own directory, so a test sees only its own files."""
    settings.STORAGES = {
        **settings.STORAGES,
        "documents": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "documents"), "base_url": None},
        },
    }
