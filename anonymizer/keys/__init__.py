"""Keys: what the engine may ask of the participant key.

    keystore       KeyStore protocol (numbers for participants and persons) and the in-memory store
    vault_adapter  VaultKeyStore: the protocol over the encrypted vault (vault/), open_vault
"""
