"""Run folders and atomic, never-overwriting writes."""
import errno
import json
import os
from datetime import datetime, timezone

import pytest

from lab.records import results
from lab.base.errors import LabError


def test_write_creates_the_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "bench.json"
    results.write_new_json(path, {"benchmarks": [1]})
    assert json.loads(path.read_text()) == {"benchmarks": [1]}
    assert os.listdir(tmp_path) == ["bench.json"]
    assert path.stat().st_mode & 0o777 == 0o644


def test_existing_file_is_never_overwritten(tmp_path):
    path = tmp_path / "bench.json"
    path.write_text("earlier results")
    with pytest.raises(LabError, match="refusing to overwrite"):
        results.write_new_json(path, {"new": True})
    assert path.read_text() == "earlier results"
    assert os.listdir(tmp_path) == ["bench.json"]


def test_file_appearing_while_writing_is_not_overwritten(tmp_path, monkeypatch):
    path = tmp_path / "bench.json"
    real_fsync = os.fsync

    def racing_fsync(fd):  # another writer wins between our check and our rename
        path.write_text("the other writer's")
        real_fsync(fd)

    monkeypatch.setattr(results.os, "fsync", racing_fsync)
    with pytest.raises(LabError, match="refusing to overwrite"):
        results.write_new_file(path, "ours")
    assert path.read_text() == "the other writer's"
    assert os.listdir(tmp_path) == ["bench.json"]


def test_failure_before_publishing_leaves_nothing_behind(tmp_path, monkeypatch):
    def boom(tmp, path):
        assert tmp.read_text() == "complete text"  # the whole text is written first
        raise OSError("disk gone")

    monkeypatch.setattr(results, "publish", boom)
    with pytest.raises(OSError):
        results.write_new_file(tmp_path / "bench.json", "complete text")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("code", [errno.EPERM, errno.EOPNOTSUPP])
def test_without_hard_links_it_still_writes_and_still_refuses(tmp_path, monkeypatch, code):
    def no_link(src, dst):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(results.os, "link", no_link)
    path = tmp_path / "bench.json"
    results.write_new_file(path, "first")
    assert path.read_text() == "first"
    with pytest.raises(LabError, match="refusing to overwrite"):
        results.write_new_file(path, "second")
    assert path.read_text() == "first"
    assert os.listdir(tmp_path) == ["bench.json"]


def test_new_dir_never_reuses_a_folder(tmp_path):
    first = results.new_dir(tmp_path / "results", "20261122T063001Z")
    second = results.new_dir(tmp_path / "results", "20261122T063001Z")
    assert first == tmp_path / "results" / "20261122T063001Z"
    assert second == tmp_path / "results" / "20261122T063001Z-2"
    assert first.is_dir() and second.is_dir()


def test_timestamp_is_utc_even_for_local_times():
    from datetime import timedelta
    local = datetime(2026, 11, 22, 8, 0, 0, tzinfo=timezone(timedelta(hours=2)))
    assert results.timestamp(local) == "20261122T060000Z"
