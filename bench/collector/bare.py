"""The HTTP ceiling: a FastAPI endpoint that reads the body and answers like the collector."""

from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/v1/track")
@app.post("/v1/batch")
async def accept(request: Request) -> dict[str, bool]:
    await request.body()
    return {"success": True}
