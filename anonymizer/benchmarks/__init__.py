"""`make bench`: figures, not tests. Each measurement runs in its own process so peak memory
(RSS) belongs to one configuration; the comparison the issues ask for is printed side by side."""
