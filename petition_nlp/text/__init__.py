"""Text: normalisation (Unicode, diacritics, abbreviations) and word segmentation.

Floor rule (tests/test_layout.py): modules here import only their own floor or lower ones.
"""
