from fastapi import FastAPI, HTTPException

app = FastAPI()


@app.get("/reports")
def reports(token: str):  # two schemes in the project, none imported here: which one?
    if token != "x" * 8:
        raise HTTPException(status_code=403)
    return []
