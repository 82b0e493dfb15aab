"""Atomic writes: a failure leaves neither the final file nor a temporary one."""

import os

import pytest

from intersession.atomic import atomic_path, write_text


def test_success_writes_file_with_umask_permissions(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    write_text(target, "hello")
    assert target.read_text() == "hello"
    mask = os.umask(0)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask
    assert list(target.parent.iterdir()) == [target]


def test_failure_leaves_nothing_behind(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed mid-write")
    assert list(tmp_path.iterdir()) == []


def test_failure_keeps_a_previous_complete_file(tmp_path):
    target = tmp_path / "out.csv"
    write_text(target, "complete")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError
    assert target.read_text() == "complete"
