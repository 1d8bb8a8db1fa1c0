"""The fixed vocabularies: words the software itself relies on, so a scheme cannot change them.

The scheme's own vocabularies (interests, needs, languages, faiths, pets) are rows in
``vocabulary_term`` (see ``vocab.services``); the training courses are data in
``data/training_courses.json``. Codes here are the engine's codes too (``matching.instance``).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

ARRANGEMENT_TYPES = {
    "live_in": "Live-in",
    "short_breaks": "Short breaks",
    "day_support": "Day support",
    "emergency": "Emergency",
}
LIFESTYLES = {"quiet": "Quiet", "mixed": "Mixed", "busy": "Busy"}
SETTINGS = {"urban": "Town or city", "suburban": "Suburban", "rural": "Countryside"}
GENDERS = {"female": "Female", "male": "Male", "non_binary": "Non-binary", "other": "Other"}

TRAINING_DATA = Path(__file__).resolve().parents[2] / "data" / "training_courses.json"


@cache
def training_courses() -> dict[str, dict]:
    """Course name -> ``{"mandatory": bool, "renew_years": int | None}``, in the data's order."""
    data = json.loads(TRAINING_DATA.read_text())
    return {
        c["name"]: {"mandatory": bool(c["mandatory"]), "renew_years": c.get("renew_years")} for c in data["courses"]
    }


def mandatory_courses() -> tuple[str, ...]:
    """The courses every approved carer must have in date (the scheme's mandatory training)."""
    return tuple(name for name, c in training_courses().items() if c["mandatory"])
