"""The form every spreadsheet upload shares: one CSV or XLSX file, checked before reading."""

from __future__ import annotations

from django import forms


class SpreadsheetUploadForm(forms.Form):
    """A CSV or XLSX file of at most ``max_bytes``; subclasses set the label and hint."""

    max_bytes = 20 * 1024 * 1024
    label = "File to import"
    help_text = "A CSV or XLSX file with a header row."
    required_message = "Choose a CSV or XLSX file to import"

    file = forms.FileField(
        widget=forms.ClearableFileInput(
            attrs={"class": "govuk-file-upload", "accept": ".csv,.xlsx"}
        ),
        error_messages={"empty": "The chosen file is empty"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = self.label
        self.fields["file"].help_text = self.help_text
        self.fields["file"].error_messages["required"] = self.required_message

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError("The file must be a CSV or XLSX file")
        if upload.size > self.max_bytes:
            megabytes = self.max_bytes // (1024 * 1024)
            raise forms.ValidationError(f"The file must be smaller than {megabytes} MB")
        return upload
