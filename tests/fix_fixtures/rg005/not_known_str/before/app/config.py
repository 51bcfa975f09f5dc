import os

from pydantic import SecretStr
from pydantic_settings import BaseSettings

MAYBE_KEY = os.getenv("MAYBE_KEY")  # None when unset


class Settings(BaseSettings):
    admin_token: str | None = None
    signing_key: SecretStr = SecretStr("change-me")
    service_token: str = "change-me"


settings = Settings()
