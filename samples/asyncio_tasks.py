"""asyncio tasks kept in a set: the service keeps a strong reference to each
background task (as the asyncio docs advise) but forgets the done-callback
that discards it, so finished tasks and their results pile up."""
import asyncio
import os
import time


class Notification:
    def __init__(self, user_id):
        self.user_id = user_id
        self.body = "you have mail " * 10


background_tasks = set()


async def send(notification):
    await asyncio.sleep(0)
    return notification


async def handle(i):
    task = asyncio.ensure_future(send(Notification(i)))
    background_tasks.add(task)  # missing: task.add_done_callback(background_tasks.discard)
    await asyncio.sleep(0)


async def main():
    seconds = float(os.environ.get("MEMALOT_SAMPLE_SECONDS", "4"))
    started = time.monotonic()
    i = 0
    while time.monotonic() - started < seconds:
        for _ in range(100):
            await handle(i)
            i += 1
        await asyncio.sleep(0.05)


if __name__ == "__main__":
    asyncio.run(main())
