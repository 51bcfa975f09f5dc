from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    API_V1_STR: str = "/api/v1"
    SECRET_KEY: str = "change-me"
    ADMIN_API_KEY: str = "dev-admin-key"


settings = Settings()
