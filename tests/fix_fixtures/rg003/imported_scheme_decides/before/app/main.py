from fastapi import Depends, FastAPI, HTTPException

from app.security import service_key

app = FastAPI()


def service(key: str = Depends(service_key)) -> str:
    return key


@app.get("/reports")
def reports(api_key: str, caller: str = Depends(service)):  # the file already uses service_key
    if len(api_key) < 8:
        raise HTTPException(status_code=403)
    return [caller]
