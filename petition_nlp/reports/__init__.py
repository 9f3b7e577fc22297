"""Reports: the formatted result workbook, the HTML session report and the per-topic / per-unit summaries.

Floor rule (tests/test_layout.py): modules here import only their own floor or lower ones.
"""
