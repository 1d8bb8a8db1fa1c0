"""From suggestion to arrangement (issue 5).

- ``adapter``: the one place rows become engine inputs (and hard constraints are checked,
  for suggestions and again at approval).
- ``services``: suggestions (each run saved as an EngineRun with its weights version and
  input snapshot) and the proposal state machine:
  proposed -> introductions -> agreed -> active (approval and start are one step), or
  declined / withdrawn from any open state. See ``services`` for the rules.
- ``views``: /people/<id>/suggestions, /households/<id>/suggestions, /suggestions/scheme,
  /proposals..., /introductions/<id>; it also registers the ``placements`` blueprint
  (arrangements, reviews, endings) unless the app already registered it.
- ``easy_read``: the person's printable page for a proposal.
"""
