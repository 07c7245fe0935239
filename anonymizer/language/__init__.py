"""Language: the spaCy pipeline and what is known about words.

    nlp        load the model named in the settings (offline), one shared pipeline
    tagging    part-of-speech and entity facts read off a spaCy Doc
    parallel   nlp.pipe over several processes for long transcripts
    phrases    multi-word phrases from rules/<lang>/ (titles, cues)
    gazetteer  known places and organisations (rules/*/gazetteer)
    lexicon    ordinary words of the language (rules/<lang>/lexicon.tsv)
"""
