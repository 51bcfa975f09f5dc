from fastapi import Depends, FastAPI

from app.security import verify_admin, verify_commented, verify_maybe, verify_service, verify_signing, verify_stripped

app = FastAPI()


@app.get("/a")
def a(m: str = Depends(verify_maybe), ad: str = Depends(verify_admin), s: str = Depends(verify_signing),
      st: str = Depends(verify_stripped), sv: str = Depends(verify_service), c: str = Depends(verify_commented)):
    return {}
