"""The model: features, the classifier and its calibration, the not-a-petition filter, training,
the model store (versioned model folders, restricted unpickling) and streaming classification of files.

Floor rule (tests/test_layout.py): modules here import only their own floor or lower ones.
"""
