import os

EXPORT_SIGNING_KEY = os.environ.get("EXPORT_SIGNING_KEY", "")
