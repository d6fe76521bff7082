"""Permission-matrix entries for the Channel Panel cases views (url name -> rule).

Scenarios and who sees what: see rules_channel_panel.py (SEES_CASE, CHANGES_CASE).
"""

EXPECTED: dict = {}
