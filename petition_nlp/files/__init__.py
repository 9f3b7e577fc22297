"""Files: reading and plain writing of tables (csv, xlsx/xls/ods, docx/pdf, jsonl, txt), finding the
table in a sheet, legacy Vietnamese encodings, zip-bomb / formula guards, row checks.

Floor rule (tests/test_layout.py): modules here import only their own floor or lower ones.
"""
