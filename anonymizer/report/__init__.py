"""The ethics report: what a committee checks months later, without a single name.

``gather.gather_report`` collects it (settings, store sidecars, quarantine reports, the verified
audit log, numbers from the vault) into plain data; ``render`` turns that into one HTML page or
JSON, so both formats carry the same content.
"""
