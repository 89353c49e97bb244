"""Motiva's pure calculation core.

Nothing here imports Django or any other part of the project (a test enforces it): values come in as
frozen dataclasses and Decimals, results and problems go out. That keeps every rule testable on its
own and lets the `simulate` command run without a database.
"""

ENGINE_VERSION = (
    "0.2.0"  # 0.2: reductions never below zero, sanctions by month, calendars, gates, total scales
)
