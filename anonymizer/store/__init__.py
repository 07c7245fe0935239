"""The analysis store and its neighbours on disk, used by daemon/, review/, report/ and cli/.

    layout        Store, ReleasePlan: store/<project>/P07/wave2/, sidecars, orphans
    naming        NameClues from a file name (rules/<lang>/waves.toml), P07_wave2 names
    metadata      the sidecar's contents (ethics-registry metadata)
    catalog       catalog.csv, derived from the sidecars
    released      Released: reading one release back (clean text, sidecar, review marks)
    review_marks  ReviewData: the *.review.json beside a clean file (offsets, no strings)
    originals     Originals: sealed under the participant's vault key, or deleted
    quarantine    Quarantine: moved inputs and their name-free reports
    reasons       HINTS: what a steward can do about each refusal reason
    purge         purge_participant: a withdrawal's files out of store, originals, quarantine

Nothing here imports daemon/ or the engine.
"""
