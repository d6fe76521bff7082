"""Validation only: a title, why the document is added, and one file (its content is judged
by the service, documents/filetypes.py)."""

from __future__ import annotations

from django import forms
from django.conf import settings

from documents.filetypes import allowed_kinds


class DocumentUploadForm(forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=200,
        help_text="For example, 'Signed consent form' or 'School report, March'.",
        error_messages={"required": "Enter a title for the document"},
    )
    reason = forms.CharField(
        label="Why are you adding this document?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter why you are adding this document"},
    )
    file = forms.FileField(
        label="Upload a file",
        error_messages={
            "required": "Select a file to upload",
            "empty": "The chosen file is empty",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = allowed_kinds(settings.DOCUMENT_ALLOWED_TYPES)
        self.fields["file"].help_text = (
            f"{', '.join(kind.label for kind in kinds)}; "
            f"smaller than {settings.DOCUMENT_MAX_MB} MB."
        )
        self.fields["file"].widget.attrs.update(
            {
                "class": "govuk-file-upload",
                "accept": ",".join(ext for kind in kinds for ext in kind.extensions),
            }
        )


class DocumentDeleteForm(forms.Form):
    reason = forms.CharField(
        label="Why are you deleting this document?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter why you are deleting this document"},
    )
