"""Keep the process off the network.

Presidio's e-mail recognizer calls ``tldextract``, whose module-level extractor fetches the public
suffix list from the internet on first use. We swap in an extractor that only uses the snapshot
bundled with the tldextract package. Presidio's spaCy engine would also try to download a missing
model; ``anonymizer.language.nlp`` never calls that path (it loads models itself and fails closed).
"""

from __future__ import annotations

_DONE = False


def ensure_offline() -> None:
    """Idempotent: make every library we use work from local data only."""
    global _DONE
    if _DONE:
        return
    # No environment variables are set: they would leak into child processes and hide, in
    # tests, whether this process itself is offline.
    import tldextract
    import tldextract.tldextract as tld_module

    offline = tld_module.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)
    tld_module.TLD_EXTRACTOR = offline
    tldextract.extract = offline  # type: ignore[assignment]  # what Presidio calls
    _DONE = True
