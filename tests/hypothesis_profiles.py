"""Hypothesis profiles, loaded as a pytest plugin before any test module (``-p tests.hypothesis_profiles``).

``make test`` runs property tests at hypothesis's default (100 examples each, unless a test sets
its own count); ``make test-long`` loads the ``long`` profile: many more examples, no deadline,
for a change to the parsers or the rule language.
"""

from hypothesis import settings

settings.register_profile("long", max_examples=5000, deadline=None)
