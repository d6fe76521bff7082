"""A file's kind is judged by its content; its name must agree; the allow-list is a setting."""

import io

import pytest

from documents import filetypes
from tests.documents import files

ALL = list(files.BY_KIND)


@pytest.mark.parametrize("kind", ALL)
def test_each_allowed_kind_is_recognised_by_its_content(kind):
    name, content = files.BY_KIND[kind]
    assert filetypes.check(io.BytesIO(content), name, ALL).code == kind


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.pdf", files.HTML),  # a web page called a PDF
        ("form.docx", files.PLAIN_ZIP),  # a ZIP that is no Word document
        ("old.msg", files.OLE_DOC),  # an OLE file that is no Outlook message
        ("virus.pdf", files.EICAR),
        ("empty.pdf", b"\x00" * 64),
    ],
)
def test_content_that_is_none_of_the_allowed_kinds_is_refused(name, content):
    with pytest.raises(filetypes.FileTypeRefused, match="The file must be one of: PDF"):
        filetypes.check(io.BytesIO(content), name, ALL)


def test_a_name_that_disagrees_with_the_content_is_refused():
    with pytest.raises(filetypes.FileTypeRefused, match="is a PDF but its name"):
        filetypes.check(io.BytesIO(files.PDF), "report.docx", ALL)


def test_a_kind_left_off_the_allow_list_is_refused():
    with pytest.raises(filetypes.FileTypeRefused, match="The file must be one of: PDF$"):
        filetypes.check(io.BytesIO(files.PNG), "scan.png", ["pdf"])
