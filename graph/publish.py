"""Releases published without blocking readers or writers.

A write switches the store to a new version at once; its release (statistics completed when
a bulk load left some to compute, dump files, release entry: graph.dumps) follows. The
command line publishes right after its write (and reports the time separately). The web app
asks :func:`latest_release`: the release of the live version when it is published, else the
last published release — consistent with its own files and ETags — while a background thread
of that process publishes the new one. Only one publisher works at a time across processes
(the dumps directory's lock); a thread that finds the live version moved on while it worked
publishes again, so the last version always gets its release.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from graph.dumps import current_release, read_manifest, store_marker
from graph.release import Release

log = logging.getLogger(__name__)
_WORKING: dict[str, threading.Thread] = {}
_GUARD = threading.Lock()


def latest_release(store: Any, settings: Mapping[str, Any]) -> tuple[Release, bool]:
    """(release, whether it describes the live version). Never waits for a publisher, except
    when nothing was ever published (then the release is made now)."""
    marker = store_marker(store)
    if marker is None:  # a remote store: no versions to compare, made now
        return current_release(store, settings), True
    manifest = read_manifest(settings["DUMPS_DIR"])
    if manifest is None:
        return current_release(store, settings), True
    if manifest.get("store_version") == marker:
        return Release.from_facts(manifest["release"], settings), True
    publish_in_background(store, settings)
    return Release.from_facts(manifest["release"], settings), False


def publish_in_background(store: Any, settings: Mapping[str, Any]) -> threading.Thread | None:
    """Start this process's publisher thread unless it is running; returns it."""
    key = str(Path(settings["DUMPS_DIR"]).resolve())
    with _GUARD:
        running = _WORKING.get(key)
        if running is not None and running.is_alive():
            return running
        thread = threading.Thread(target=_publish_until_current, args=(store, dict(settings)),
                                  name="owl40-publisher", daemon=True)
        _WORKING[key] = thread
        thread.start()
        return thread


def _publish_until_current(store: Any, settings: dict[str, Any]) -> None:
    from graph.store import EmbeddedStore

    own = EmbeddedStore(store.path, base_iri=store.base_iri)  # its own read-only views
    try:
        for _ in range(10):  # each pass publishes the version live when it started
            marker = store_marker(own)
            current_release(own, settings)
            if store_marker(own) == marker:
                return
    except Exception:  # a publisher must never take the worker down; the next request retries
        log.exception("publishing the release failed")
    finally:
        own.close()


def wait_for_publisher(settings: Mapping[str, Any], timeout: float | None = None) -> None:
    """Wait for this process's publisher thread, if any (tests, shutdown)."""
    thread = _WORKING.get(str(Path(settings["DUMPS_DIR"]).resolve()))
    if thread is not None:
        thread.join(timeout)
