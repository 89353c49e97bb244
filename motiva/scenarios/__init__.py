"""Scenario files: a small organization slice in human-writable YAML, calculated without a database.

See docs/scenarios.md for the format; examples/ holds the seeds' worked examples.
"""
