import os

from pydantic_settings import BaseSettings

API_KEY = os.environ["API_KEY"]


class Settings(BaseSettings):
    api_key: str = "change-me"
    admin_password: str = "change-me-too"


settings = Settings()


def get_settings() -> Settings:
    return settings
