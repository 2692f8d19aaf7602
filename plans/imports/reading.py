"""A spreadsheet's bytes as rows of cells: CSV in any common encoding and delimiter (sniffed,
or as the person chose), or XLSX's first sheet or the one chosen (openpyxl, values not
formulas). Pure: bytes and options in, a Table or a ValueError in words out."""

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import load_workbook

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
MAX_CELL = 2000

ENCODINGS = {"utf-8-sig": "UTF-8", "cp1252": "Windows-1252", "latin-1": "Latin-1"}
DELIMITERS = {",": "Comma", ";": "Semicolon", "\t": "Tab"}

Cell = str | float | int | date | datetime | None


@dataclass
class Table:
    rows: list[list[Cell]]
    kind: str  # "csv" or "xlsx"
    encoding: str = ""
    delimiter: str = ""
    sheets: list[str] = field(default_factory=list)
    sheet: str = ""


def _decode(data: bytes, encoding: str) -> tuple[str, str]:
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError):
            raise ValueError(f"The file is not {ENCODINGS.get(encoding, encoding)}.") from None
    try:
        return data.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        # Windows-1252 leaves five bytes undefined; Latin-1 reads anything.
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return data.decode("latin-1"), "latin-1"


def _sniff_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        # One column, or too irregular to tell: the most frequent candidate on the first lines.
        counts = {d: sample.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        return best if counts[best] else ","


def _read_csv(data: bytes, encoding: str, delimiter: str) -> Table:
    text, encoding = _decode(data, encoding)
    delimiter = delimiter or _sniff_delimiter(text)
    rows: list[list[Cell]] = []
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        rows.append(list(row))
        _check_rows(rows)
    return Table(rows=rows, kind="csv", encoding=encoding, delimiter=delimiter)


def _read_xlsx(data: bytes, sheet: str) -> Table:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ValueError("The file is not a spreadsheet Excel can open (.xlsx).") from None
    try:
        names = book.sheetnames
        if sheet and sheet not in names:
            raise ValueError(f"The workbook has no sheet “{sheet}”.")
        chosen = sheet or names[0]
        rows: list[list[Cell]] = []
        for values in book[chosen].iter_rows(values_only=True):
            rows.append([v if not isinstance(v, bool) else ("Yes" if v else "") for v in values])
            _check_rows(rows)
    finally:
        book.close()
    return Table(rows=rows, kind="xlsx", sheets=names, sheet=chosen)


def _check_rows(rows: list[list[Cell]]) -> None:
    # A title, a header and some blank rows above the limit are allowed for.
    if len(rows) > MAX_ROWS + 50 and any(rows[-1]):
        raise ValueError(f"The file has more than {MAX_ROWS:,} rows: split it in two.")


def is_xlsx(data: bytes, filename: str) -> bool:
    return data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm"))


def read_table(
    data: bytes, filename: str, *, encoding: str = "", delimiter: str = "", sheet: str = ""
) -> Table:
    if not data:
        raise ValueError("The file is empty.")
    if len(data) > MAX_BYTES:
        raise ValueError(f"The file is over {MAX_BYTES // (1024 * 1024)} MB: split it in two.")
    if is_xlsx(data, filename):
        return _read_xlsx(data, sheet)
    if filename.lower().endswith(".xls") or data[:4] == b"\xd0\xcf\x11\xe0":
        raise ValueError("Old Excel files (.xls) are not read: save it as .xlsx or CSV.")
    return _read_csv(data, encoding, delimiter)
