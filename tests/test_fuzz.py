"""A short, time-bounded fuzz run over the file readers: random bytes and mutated valid files.

Every outcome must be a table or an InputError with a one-line message naming the file.
"""

import random
import time

import pytest

from conftest import FIXTURES
from petition_nlp.files.io import InputError, read_table

HOSTILE = FIXTURES / "hostile"
SEEDS = ["utf8.csv", "utf16le_excel.csv", "tcvn3.csv", "merged_header.xlsx", "petitions.jsonl", "petitions.txt"]
BUDGET_S = 20.0


def _mutate(data: bytes, rng: random.Random) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 12)):
        op = rng.random()
        pos = rng.randrange(len(data)) if data else 0
        if op < 0.4 and data:
            data[pos] = rng.randrange(256)
        elif op < 0.6:
            data[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif op < 0.8 and data:
            del data[pos : pos + rng.randint(1, 64)]
        else:
            data = data[: rng.randrange(len(data) + 1)]
    return bytes(data)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".jsonl", ".txt"])
def test_random_and_mutated_files_never_crash(tmp_path, suffix) -> None:
    rng = random.Random(hash(suffix) & 0xFFFF)
    seeds = [(HOSTILE / s).read_bytes() for s in SEEDS if s.endswith(suffix)] or [b""]
    deadline = time.monotonic() + BUDGET_S / 4
    tried = 0
    while time.monotonic() < deadline and tried < 400:
        if rng.random() < 0.3:
            data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 2000)))
        else:
            data = _mutate(rng.choice(seeds), rng)
        path = tmp_path / f"case{tried}{suffix}"
        path.write_bytes(data)
        try:
            frame, _ = read_table(path)
            assert len(frame) >= 1 and len(frame.columns) >= 1
        except InputError as exc:
            message = str(exc)
            assert path.name in message and "\n" not in message
        tried += 1
    assert tried >= 20
