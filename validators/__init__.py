"""The rule catalog: one small rule per module, each with a stable code, a severity and a description.

`validators.registry.RULES` is the explicit, ordered list the pipeline runs. Rules return findings as values;
they never raise and never log clinical content.
"""
