"""checkov checks of our own (CKV_BLINKIT_*): checkov loads every module of this folder (.checkov.yaml),
and only from a folder with this file."""
