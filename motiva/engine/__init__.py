"""Motiva's pure calculation core.

Nothing here imports Django or any other part of the project (a test enforces it): values come in as
frozen dataclasses and Decimals, results and problems go out. That keeps every rule testable on its
own and lets the `simulate` command run without a database.
"""

# 0.2: reductions never below zero, sanctions by month, calendars, gates, total scales;
# 0.2.1: every pay component carries its kind (types.ComponentKind); the amounts are 0.2.0's
# 0.2.2: the card's step for the personal level names it «личная эффективность» (as the three-level
#        scheme's component does; it said «личный»); the amounts are 0.2.1's
ENGINE_VERSION = "0.2.2"
