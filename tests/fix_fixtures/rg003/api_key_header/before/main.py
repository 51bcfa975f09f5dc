from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import APIKeyHeader

app = FastAPI()
api_key_header = APIKeyHeader(name="X-API-Key")
PARTNERS = {"pk-alpha": "alpha"}


def get_partner(api_key: str, region: str = "eu") -> str:
    partner = PARTNERS.get(api_key)
    if partner is None:
        raise HTTPException(status_code=403, detail="Unknown partner key")
    return f"{partner}:{region}"


@app.get("/orders")
def orders(partner: str = Depends(get_partner)):
    return {"partner": partner}
