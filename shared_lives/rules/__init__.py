"""The domain's decisions, one function each, and the only place they are made.

==============================  ==========================================================
question                        decided by
==============================  ==========================================================
how old is this person today?   :func:`shared_lives.rules.age.age_on`
how far apart are two places?   :func:`shared_lives.rules.distance.distance_km`
does this arrangement take a    :func:`shared_lives.rules.places.takes_place_on`
place on this date?
how many places are free?       :func:`shared_lives.rules.places.free_places` (on a date),
                                :func:`shared_lives.rules.places.free_places_throughout`
may this household be offered   :func:`shared_lives.rules.eligibility.reasons_against`
this arrangement type on this   (and :func:`~shared_lives.rules.eligibility.standing_reasons`
date?                           for what does not depend on the type or places)
==============================  ==========================================================

The engine adapter, the compliance page, the household list and detail, the home
pages, the approval re-check and the exports all call these. The reason codes are the
engine's (``matching.REASONS``), so a household excluded by the engine and one shown
as ineligible on a page always say the same thing in the same words.
"""
