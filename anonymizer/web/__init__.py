"""The workbench (``anonymizer serve``): stewards, the ethics committee and research assistants
in a browser. It reads the store and hands work to the daemon, which stays the only writer."""
