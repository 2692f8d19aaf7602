"""The import's forms: the upload, and the preview's choices (parsing only; the rules are the
services')."""

from django import forms

from plans.imports.preview import FIELDS
from plans.imports.reading import DELIMITERS, ENCODINGS, MAX_BYTES
from plans.imports.services import ImportOptions

ENCODING_CHOICES = [("", "Guess"), *ENCODINGS.items()]
DELIMITER_CHOICES = [("", "Guess"), ("comma", "Comma"), ("semicolon", "Semicolon"), ("tab", "Tab")]
DELIMITER_BY_NAME = {"comma": ",", "semicolon": ";", "tab": "\t"}
NAME_BY_DELIMITER = {v: k for k, v in DELIMITER_BY_NAME.items()}
assert set(NAME_BY_DELIMITER) == set(DELIMITERS)  # noqa: S101 - the two lists agree


class ImportOptionsForm(forms.Form):
    """How to read the file: empty fields are guessed (a form, so the API's query and the
    page's selects parse alike)."""

    encoding = forms.ChoiceField(choices=ENCODING_CHOICES, required=False)
    delimiter = forms.ChoiceField(choices=DELIMITER_CHOICES, required=False)
    sheet = forms.CharField(required=False, max_length=100)

    def __init__(self, *args, columns: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = columns
        if columns is not None:
            choices = [
                ("", "—"),
                *((str(i), h or f"Column {i + 1}") for i, h in enumerate(columns)),
            ]
            for name, label in FIELDS.items():
                self.fields[f"map_{name}"] = forms.ChoiceField(
                    label=label, choices=choices, required=False
                )

    def mapping_fields(self):
        return [self[f"map_{name}"] for name in FIELDS if f"map_{name}" in self.fields]

    def options(self) -> ImportOptions:
        data = self.cleaned_data
        mapping = None
        if self.columns is not None and any(f"map_{n}" in self.data for n in FIELDS):
            mapping = {
                name: int(data[f"map_{name}"]) if data.get(f"map_{name}") else None
                for name in FIELDS
            }
        return ImportOptions(
            encoding=data.get("encoding") or "",
            delimiter=DELIMITER_BY_NAME.get(data.get("delimiter") or "", ""),
            sheet=data.get("sheet") or "",
            mapping=mapping,
        )


class ImportUploadForm(ImportOptionsForm):
    file = forms.FileField(
        label="Spreadsheet",
        help_text=f"CSV or Excel (.xlsx), up to {MAX_BYTES // (1024 * 1024)} MB and 2,000 rows.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is over {MAX_BYTES // (1024 * 1024)} MB: split it in two."
            )
        return upload


class RoomImportForm(ImportUploadForm):
    """A new room's buyer and target date, and the file that will be its plan."""

    buyer_company = forms.CharField(label="Buyer company", max_length=200)
    target_date = forms.DateField(
        label="Target date",
        help_text="The buyer's go-live or decision date.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    field_order = ["buyer_company", "target_date", "file"]
