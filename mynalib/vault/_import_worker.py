"""An import worker process: reads and parses files for :meth:`Vault.import_files`.

Started by the importing process as ``python -m mynalib.vault._import_worker`` (a fresh
interpreter: nothing of the parent's memory, no vault, no key; the vault passphrase variable is
removed from its environment). Protocol on its standard streams, one pickle per message:

* in: ``(paths, person)`` tasks (file paths as text, the ``--person`` name or None), read until
  end of input;
* out: per task, ``("ok", [(report, ready, extracts), ...])`` (``ready``: the document with its
  header and body encoded, not encrypted; see ``codec.Ready``) with the same order as the
  paths, or ``("raise", exception)`` for an unexpected error (a file that cannot be read or
  parsed is an error report, as in the importing process).

A worker whose parent dies sees the end of its input (or a broken pipe) and exits.
It runs at a lower priority (nice 5) than the importing process, parses without the parse memo
and collects cyclic garbage every few tasks only.
"""

from __future__ import annotations

import gc
import os
import pickle
import queue
import sys
import threading
from typing import Any, BinaryIO

#: tasks between two collections of the cyclic garbage collector
GC_EVERY = 32


def _read_tasks(stream: BinaryIO, tasks: queue.SimpleQueue[Any]) -> None:
    """Read tasks as they arrive (so the parent never blocks writing to a full pipe)."""
    try:
        while True:
            tasks.put(pickle.load(stream))  # noqa: S301 - from the process that started us
    except (EOFError, OSError, pickle.UnpicklingError):
        pass
    finally:
        tasks.put(None)


def _write_results(stream: BinaryIO, results: queue.SimpleQueue[bytes | None]) -> None:
    """Write answers as the parent takes them (a worker whose answer waits in a full pipe keeps
    parsing its next task meanwhile)."""
    try:
        while (payload := results.get()) is not None:
            stream.write(payload)
            stream.flush()
    except OSError:  # the importing process is gone
        os._exit(0)


def main() -> int:
    from .. import frames, sources
    from .importer import prepare_files

    if hasattr(os, "nice"):  # the importing process stores in file order: it is the one that
        os.nice(5)  # must not wait for a core; the workers fill the rest (they run ahead)
    # every parser and extract now (before the freeze below); a worker parses each file once,
    # so prepare_files parses without the parse memo (keeping results would only cost memory)
    sources.load_all()
    frames.load_all()
    # as the importing process does during a large import: no automatic cyclic GC (its full
    # passes cost as much as the parsing); little survives a task, so a collection every
    # GC_EVERY tasks is quick and bounds what cycles could hold
    gc.disable()
    gc.freeze()  # what the imports made lives on: the periodic collections need not walk it
    done = 0
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the result stream
    tasks: queue.SimpleQueue[Any] = queue.SimpleQueue()
    results: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
    threading.Thread(target=_read_tasks, args=(sys.stdin.buffer, tasks), daemon=True).start()
    writer = threading.Thread(target=_write_results, args=(out, results), daemon=True)
    writer.start()
    while True:
        task = tasks.get()
        if task is None:
            results.put(None)
            writer.join()
            return 0
        paths, person = task
        try:
            result: tuple[str, Any] = ("ok", prepare_files(paths, person))
        except Exception as exc:  # handed to the parent, which raises it
            result = ("raise", exc)
        try:
            payload = pickle.dumps(result, pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an exception that cannot be pickled
            payload = pickle.dumps(("raise", RuntimeError(f"import worker: {exc!r}")))
        results.put(payload)
        done += 1
        if done % GC_EVERY == 0:
            gc.collect()


if __name__ == "__main__":
    raise SystemExit(main())
