"""Form pieces every area shares: a GOV.UK date field that never crashes on odd input."""

from __future__ import annotations

from datetime import date, datetime

from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import DateField


class SafeGovDateInput(GovDateInput):
    """GOV.UK day/month/year inputs. Upstream unpacks exactly three raw values and
    raises on a crafted POST with fewer or more; this pads or trims them first."""

    def map_gov_params(self, field, **kwargs):
        raw = field.raw_data
        if raw is not None and len(raw) != 3:
            field.raw_data = [*raw, "", "", ""][:3]
        try:
            return super().map_gov_params(field, **kwargs)
        finally:
            field.raw_data = raw


class GovDateField(DateField):
    """A date entered as day, month and year, with GOV.UK-style error messages.

    ``label`` is used in messages, e.g. "Date of birth must include a year".
    """

    widget = SafeGovDateInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", "%d %m %Y")
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        parts = [str(v).strip() for v in valuelist]
        if len(parts) != 3 or not any(parts):
            self.data = None
            if any(parts):
                raise ValueError(f"{self.label.text} must be a real date")
            return
        names = ("a day", "a month", "a year")
        missing = [n for n, p in zip(names, parts, strict=True) if not p]
        if missing:
            self.data = None
            raise ValueError(f"{self.label.text} must include {' and '.join(missing)}")
        if not all(p.isdigit() for p in parts) or len(parts[2]) != 4:
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date, like 27 3 2007")
        try:
            self.data = datetime.strptime(" ".join(parts), "%d %m %Y").date()
        except ValueError:
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date, like 27 3 2007") from None
        if not date(1900, 1, 1) <= self.data <= date(2100, 12, 31):
            self.data = None
            raise ValueError(f"{self.label.text} must be between 1900 and 2100")
