"""Fault injection for the crash-safety test (tests/test_reliability.py).

Python imports ``sitecustomize`` at start-up, so every process started with this folder
on ``PYTHONPATH`` (Snakemake and each job's script) loads it. ``INTERSESSION_KILL_AT``
names the kill point; the whole process group (the test starts Snakemake in its own) is
sent SIGKILL there, after the point is written to ``INTERSESSION_KILL_MARK``:

- ``replace:<glob>``: when a file whose path matches the glob is about to be renamed into
  place, its temporary file is first cut to half its size: a kill in the middle of
  writing that file;
- ``call:<module>:<function>:<seconds>``: that many seconds into the first call of the
  function (e.g. ``nutpie:sample:0.2``, during sampling); if the call returns sooner, the
  mark says so and nothing is killed.
"""

import fnmatch
import importlib.abc
import importlib.util
import os
import signal
import sys
import threading

POINT = os.environ.get("INTERSESSION_KILL_AT", "")
MARK = os.environ.get("INTERSESSION_KILL_MARK", "")


def _kill(what: str) -> None:
    with open(MARK, "a") as mark:
        mark.write(f"{what}\n")
    os.killpg(os.getpgrp(), signal.SIGKILL)


def _kill_on_replace(pattern: str) -> None:
    original = os.replace

    def replace(src, dst, *args, **kwargs):
        if fnmatch.fnmatch(os.fspath(dst), pattern):
            size = os.path.getsize(src)
            if os.path.isfile(src):
                os.truncate(src, size // 2)
            _kill(f"replace {os.fspath(dst)} ({size} bytes written, cut to {size // 2})")
        return original(src, dst, *args, **kwargs)

    os.replace = replace


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Wrap ``module.function`` right after the module is first imported."""

    def __init__(self, module: str, function: str, seconds: float):
        self.module, self.function, self.seconds = module, function, seconds

    def find_spec(self, name, path=None, target=None):
        if name != self.module:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        execute = spec.loader.exec_module

        def exec_module(module):
            execute(module)
            setattr(module, self.function, self.wrap(getattr(module, self.function)))

        spec.loader.exec_module = exec_module
        return spec

    def wrap(self, function):
        where = f"call {self.module}.{self.function} + {self.seconds} s"

        def killed_during(*args, **kwargs):
            timer = threading.Timer(self.seconds, _kill, [where])
            timer.start()
            try:
                return function(*args, **kwargs)
            finally:
                if timer.is_alive():
                    timer.cancel()
                    with open(MARK, "a") as mark:
                        mark.write(f"missed: {where} returned first\n")

        return killed_during


if POINT.startswith("replace:"):
    _kill_on_replace(POINT.removeprefix("replace:"))
elif POINT.startswith("call:"):
    module, function, seconds = POINT.removeprefix("call:").split(":")
    sys.meta_path.insert(0, _PatchOnImport(module, function, float(seconds)))
