"""Headless Chromium for the HTML report tests: load a page, get the DOM the
browser built and what the page logged to the console. A test that needs a
browser skips, saying so, where there is none."""
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

CONSOLE = re.compile(r":CONSOLE[:(]")


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("no Chromium found (Debian package 'chromium')")


def browse(page, *extra):
    """Returns (dom, console lines) of page loaded headless."""
    proc = subprocess.run([chromium(), "--headless", "--disable-gpu", "--no-sandbox",
                           "--enable-logging=stderr", "--v=0", *extra,
                           "--dump-dom", "file://" + os.path.abspath(page)],
                          capture_output=True, text=True, timeout=180)
    console = [line for line in proc.stderr.splitlines() if CONSOLE.search(line)]
    return proc.stdout, console


def write_logging_page(path):
    """A page that logs an error: the control that shows console capture works."""
    with open(path, "w") as f:
        f.write("<!DOCTYPE html><title>c</title><script>console.error('boom')</script>")


class Dom(HTMLParser):
    """Walks a DOM dump, calling start(tag, attrs, stack) with attrs as a dict
    (a bare attribute such as `open` maps to None) and the open elements."""

    VOID = {"meta", "br", "hr", "img", "input", "link"}  # SVG elements come with end tags

    def __init__(self):
        super().__init__()
        self.stack = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.start(tag, attrs, self.stack)
        if tag not in self.VOID:
            self.stack.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.start(tag, dict(attrs), self.stack)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        self.text(data, self.stack)

    def start(self, tag, attrs, stack):
        pass

    def text(self, data, stack):
        pass


def classes(attrs):
    return (attrs.get("class") or "").split()
