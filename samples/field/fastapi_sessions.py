"""FastAPI on uvicorn with pydantic models, driven over loopback by requests.

The leak: the login endpoint stores a SessionRecord (a pydantic model) per
request in a dict on app.state, keyed by a fresh token, and nothing ever
expires them. Short-lived per request: the validated LoginRequest, the
LoginReply, Starlette's request/response objects, the h11 connection state.
Bounded: a greeting per locale and time slot behind
functools.lru_cache(maxsize=64).
"""
import asyncio
import functools
import socket
import time

import requests
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

import _field

app = FastAPI()
app.state.sessions = {}  # the leak: token -> SessionRecord, never expired
log = _field.CreationLog()


class LoginRequest(BaseModel):
    user: str
    password: str
    remember: bool = False


class SessionRecord(BaseModel):
    token: str
    user: str
    created: float


class LoginReply(BaseModel):
    token: str
    greeting: str


class Greeting:
    def __init__(self, slot):
        self.slot = slot
        self.text = "Welcome back (edition %d)" % slot


@functools.lru_cache(maxsize=64)
def greeting_for(slot):
    return Greeting(slot)


@app.post("/login")
async def login(body: LoginRequest) -> LoginReply:
    token = "tok-%s-%d" % (body.user, len(app.state.sessions))
    before = time.monotonic()
    app.state.sessions[token] = SessionRecord(token=token, user=body.user, created=before)
    log.stored("SessionRecord", before)
    return LoginReply(token=token, greeting=greeting_for(_field.cache_slot()).text)


def main():
    # IPPROTO_TCP spelled out: asyncio sets TCP_NODELAY only on sockets that
    # say so, and without it each keep-alive reply waits ~40 ms for an ACK.
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = _field.in_thread(lambda: asyncio.run(server.serve(sockets=[listener])), "uvicorn")
    while not server.started:
        time.sleep(0.01)
    url = "http://127.0.0.1:%d/login" % port
    done = 0
    with requests.Session() as client:
        while _field.keep_going(done):
            reply = client.post(url, json={"user": "user-%d" % done, "password": "pw"},
                                timeout=_field.CLIENT_TIMEOUT)
            reply.raise_for_status()
            done += 1
    server.should_exit = True
    thread.join(_field.CLIENT_TIMEOUT)
    log.close()
    print("fastapi_sessions: %d requests, %d sessions" % (done, len(app.state.sessions)))


if __name__ == "__main__":
    main()
