from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.template.defaultfilters import filesizeformat

from rooms.resource_services import TITLE_MAX, URL_MAX
from rooms.uploads import ACCEPT, ACCEPTED, too_big_message

INTERNAL_LABEL = "Internal (sellers only)"


class ResourceFileForm(forms.Form):
    """The file's size and type are checked by the service (rooms.uploads), on its content."""

    file = forms.FileField(
        label="File",
        required=False,  # clean_file says why a file is missing: none chosen, or too big
        widget=forms.FileInput(attrs={"accept": ACCEPT}),
    )
    title = forms.CharField(label="Title (optional)", max_length=TITLE_MAX, required=False)
    is_internal = forms.BooleanField(label=INTERNAL_LABEL, required=False)

    def __init__(self, *args, too_big: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.too_big = too_big
        limit = filesizeformat(settings.RESOURCE_MAX_BYTES)
        self.fields["file"].help_text = f"{ACCEPTED}; up to {limit}."

    def clean_file(self):
        if self.too_big:
            raise ValidationError(too_big_message())
        upload = self.cleaned_data.get("file")
        if not upload:
            raise ValidationError("Choose a file to share.")
        return upload


class ResourceLinkForm(forms.Form):
    url = forms.URLField(
        label="Link",
        max_length=URL_MAX,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    title = forms.CharField(label="Title (optional)", max_length=TITLE_MAX, required=False)
    is_internal = forms.BooleanField(label=INTERNAL_LABEL, required=False)
