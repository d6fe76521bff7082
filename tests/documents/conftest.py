import pytest


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
