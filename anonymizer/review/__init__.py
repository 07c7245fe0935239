"""The data steward's review of a released transcript: one self-contained HTML page per
transcript (``page``), the original beside it when the vault is unlocked (``original``), and the
decisions that follow (``decisions``: add-deny, add-allow, accept), each in the audit log, and
which released transcripts a correction concerns (``affected``: the sealed originals searched in
memory, for ``store affected``).

``html`` holds what the review page and the ethics report (``anonymizer.report``) share: escaping,
the Content-Security-Policy that forbids every network load, base styles and the atomic writer.
"""
