"""``anonymizer batch``: a whole archive through the engine, on this machine or a Ray cluster.

Modules: ``source`` (a folder or a manifest CSV -> items), ``record`` (the work record that makes
a run resumable and idempotent), ``snapshot`` (a worker's copy of the study's key and the check
that its numbering is the one the driver would give), ``worker`` (one transcript in a worker),
``driver`` (the single writer: numbering in input order, outputs, record), ``ray_pool`` (the
workers as Ray actors), ``progress`` (the progress line and the summary).
"""
