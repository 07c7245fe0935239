"""The audit log: an append-only, hash-chained, HMAC-keyed record of every action.

    log      AuditLog, AuditEvent, open_audit_log: appending under a lock, verifying
    records  AuditRecord: one line, its canonical form and chain hash
    fields   what each event may carry (no names: numbers, checksums, codes)
    verify   reading and checking the log on disk, record by record
    anchor   the head anchor beside the vault: truncation and rollback detection
"""
