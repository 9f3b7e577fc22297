"""Grouping: grouping vectors, the issue catalogue, shortlisting representative questions, its
metrics, already-answered links and the labelling loop (which uses the grouping vectors).

Floor rule (tests/test_layout.py): modules here import only their own floor or lower ones.
"""
