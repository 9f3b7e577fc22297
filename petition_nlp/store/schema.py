"""The workspace's SQLite schema, as ordered migrations (never edit a released one: add the next).

Migration 1 — the review workspace (issue 16): surveys, petitions, the append-only change log,
groups, the membership trace (moves, merges, topic changes; never deleted) and the shortlist
decisions (pin, drop, representative) with their own append-only log.
Migration 2 — after the session (issue 17): agencies (seeded, editable), answers per group,
and "already answered" links from a petition to an earlier survey's answered group.
Migration 3 — the officer's verdict on a link (issue 17): a petition dismissed from an answered
group ("không phải vấn đề này") is never linked to it again until the dismissal is undone; every
dismissal and undo is logged (append-only).
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1 ------------------------------------------------------------------------------------
    """
    CREATE TABLE surveys (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,               -- the uploaded file's name, for display only
        stored_file TEXT NOT NULL,        -- generated name of the read-only original under originals/
        created TEXT NOT NULL,            -- ISO time, UTC
        text_column TEXT NOT NULL DEFAULT '',
        unit_column TEXT,
        columns_json TEXT NOT NULL DEFAULT '[]',
        notes_json TEXT NOT NULL DEFAULT '[]',
        rows INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL DEFAULT 'processing' CHECK (state IN ('processing', 'ready', 'failed')),
        error TEXT,
        settings_json TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE groups (
        id INTEGER PRIMARY KEY,
        survey_id INTEGER NOT NULL REFERENCES surveys(id),
        label TEXT NOT NULL,              -- e.g. housing-003 (as the CLI names groups)
        category TEXT NOT NULL,
        issue TEXT NOT NULL DEFAULT '',
        merged_into INTEGER REFERENCES groups(id),
        created TEXT NOT NULL
    );
    CREATE INDEX groups_survey ON groups(survey_id);
    CREATE TABLE petitions (
        id INTEGER PRIMARY KEY,
        survey_id INTEGER NOT NULL REFERENCES surveys(id),
        row INTEGER NOT NULL,             -- 1-based order in the survey
        original_json TEXT NOT NULL,      -- the row's original cells
        text TEXT NOT NULL,
        unit TEXT NOT NULL DEFAULT '',
        category TEXT NOT NULL DEFAULT '',
        model_category TEXT NOT NULL DEFAULT '',
        confidence REAL,
        needs_review INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'ok',
        second_category TEXT NOT NULL DEFAULT '',
        group_id INTEGER REFERENCES groups(id),
        reviewed INTEGER NOT NULL DEFAULT 0,
        version INTEGER NOT NULL DEFAULT 1,
        UNIQUE (survey_id, row)
    );
    CREATE INDEX petitions_group ON petitions(group_id);
    CREATE INDEX petitions_survey_conf ON petitions(survey_id, confidence);
    CREATE TABLE changes (                -- append-only: every edit of a petition
        id INTEGER PRIMARY KEY,
        petition_id INTEGER NOT NULL REFERENCES petitions(id),
        field TEXT NOT NULL,
        old TEXT,
        new TEXT,
        time TEXT NOT NULL,
        officer TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX changes_petition ON changes(petition_id);
    CREATE TABLE group_trace (            -- append-only: membership moves and merges
        id INTEGER PRIMARY KEY,
        survey_id INTEGER NOT NULL REFERENCES surveys(id),
        kind TEXT NOT NULL CHECK (kind IN ('move', 'merge', 'topic', 'not_a_petition')),
        petition_id INTEGER REFERENCES petitions(id),
        from_group INTEGER REFERENCES groups(id),
        to_group INTEGER REFERENCES groups(id),
        time TEXT NOT NULL,
        officer TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX group_trace_survey ON group_trace(survey_id);
    CREATE TABLE shortlist_choices (      -- current decision per group
        group_id INTEGER PRIMARY KEY REFERENCES groups(id),
        pinned INTEGER NOT NULL DEFAULT 0,
        dropped INTEGER NOT NULL DEFAULT 0,
        representative_id INTEGER REFERENCES petitions(id)
    );
    CREATE TABLE shortlist_log (          -- append-only: every decision
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id),
        action TEXT NOT NULL,
        value TEXT,
        time TEXT NOT NULL,
        officer TEXT NOT NULL DEFAULT ''
    );
    """,
    # 2 ------------------------------------------------------------------------------------
    """
    CREATE TABLE agencies (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        active INTEGER NOT NULL DEFAULT 1
    );
    INSERT INTO agencies (name) VALUES
        ('Sở Lao động – Thương binh và Xã hội'),
        ('Bảo hiểm xã hội tỉnh'),
        ('Sở Xây dựng'),
        ('Công an tỉnh'),
        ('Sở Giáo dục và Đào tạo'),
        ('Ban Quản lý các KCN'),
        ('Ban Tổ chức Tỉnh ủy'),
        ('Sở Y tế'),
        ('Liên đoàn Lao động tỉnh');
    CREATE TABLE answers (
        group_id INTEGER PRIMARY KEY REFERENCES groups(id),
        agency TEXT NOT NULL DEFAULT '',
        answer TEXT NOT NULL DEFAULT '',
        answered_on TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'unanswered' CHECK (status IN ('unanswered', 'answered', 'forwarded')),
        updated TEXT NOT NULL,
        officer TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE answer_log (
        id INTEGER PRIMARY KEY,
        group_id INTEGER NOT NULL REFERENCES groups(id),
        agency TEXT, answer TEXT, answered_on TEXT, status TEXT,
        time TEXT NOT NULL,
        officer TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE answered_links (         -- petition of a later survey -> answered group of an earlier one
        petition_id INTEGER PRIMARY KEY REFERENCES petitions(id),
        group_id INTEGER NOT NULL REFERENCES groups(id),
        similarity REAL NOT NULL
    );
    """,
    # 3 ------------------------------------------------------------------------------------
    """
    CREATE TABLE dismissed_links (        -- current verdicts: this petition does not raise that answered issue
        petition_id INTEGER NOT NULL REFERENCES petitions(id),
        group_id INTEGER NOT NULL REFERENCES groups(id),
        similarity REAL,                  -- the dismissed link's probability (an undo puts it back)
        time TEXT NOT NULL,
        officer TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (petition_id, group_id)
    );
    CREATE INDEX dismissed_links_group ON dismissed_links(group_id);
    CREATE TABLE link_log (               -- append-only: every dismissal and undo
        id INTEGER PRIMARY KEY,
        petition_id INTEGER NOT NULL REFERENCES petitions(id),
        group_id INTEGER NOT NULL REFERENCES groups(id),
        action TEXT NOT NULL CHECK (action IN ('dismiss', 'restore')),
        time TEXT NOT NULL,
        officer TEXT NOT NULL DEFAULT ''
    );
    """,
]
