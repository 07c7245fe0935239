"""The engine: one transcript in, a clean transcript and a list of every change out.

    engine       Engine, Outcome: detect -> resolve -> number -> rewrite -> verify
    resolve      overlapping findings settled, titles and spans tidied, one finding per span
    consistency  one number per person across a transcript (surname, first name, possessive)
    labels       the engine's own output labels ([Person 3]) recognised on re-runs
    rewrite      gendered pronouns and terms to their concealed forms
    verify       the clean text checked again before anything is released
    risk         residual-risk flags: kept tokens that may still identify

Importing the package loads nothing heavy; ``engine.engine`` loads spaCy and Presidio.
"""
