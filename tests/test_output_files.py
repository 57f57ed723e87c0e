"""--output: atomic for regular files, through symlinks, as is for FIFOs and devices, mode kept."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

from conftest import write_migrations

from safemig_lint.config import Config
from safemig_lint.engine import lint
from safemig_lint.reporters import write_report


def _result(tmp_path):
    directory = write_migrations(tmp_path / "m", {"1_a.up.sql": "DROP TABLE t;", "1_a.down.sql": "SELECT 1;"})
    return lint([str(directory)], Config())


def test_a_symlinked_report_is_written_through_and_the_link_kept(tmp_path):
    (tmp_path / "reports").mkdir()
    real = tmp_path / "reports" / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_report("json", _result(tmp_path), link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert json.loads(real.read_text())["diagnostics"]


def test_an_existing_report_keeps_its_mode(tmp_path):
    report = tmp_path / "report.sarif"
    report.write_text("old")
    report.chmod(0o640)
    write_report("sarif", _result(tmp_path), report)
    assert stat.S_IMODE(report.stat().st_mode) == 0o640
    assert json.loads(report.read_text())["version"] == "2.1.0"


def test_a_fifo_is_written_to_not_replaced(tmp_path):
    fifo = tmp_path / "report.pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    write_report("json", _result(tmp_path), fifo)
    reader.join(timeout=30)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert json.loads(received[0])["diagnostics"]


def test_a_device_is_written_to_not_replaced(tmp_path):
    write_report("text", _result(tmp_path), Path(os.devnull))
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_the_report_is_synced_before_it_is_renamed_into_place(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1])
    write_report("json", _result(tmp_path), tmp_path / "report.json")
    assert events[:2] == ["fsync", "replace"]
