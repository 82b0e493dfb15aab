"""Atomic writes: a failure leaves neither the final file nor a temporary one."""

import os

import pytest

from intersession.atomic import _umask, atomic_directory, atomic_path, together, write_text


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


def test_a_killed_writes_temporary_is_removed_by_the_next_write(tmp_path):
    target = tmp_path / "fit.nc"
    (tmp_path / ".fit.nc.abc123.tmp").write_bytes(b"half a NetCDF")  # left by SIGKILL
    (tmp_path / ".other.nc.abc123.tmp").write_bytes(b"another output's")
    write_text(target, "complete")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.nc.abc123.tmp", "fit.nc"]


def test_outputs_written_together_appear_together_or_not_at_all(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    with together():
        write_text(first, "1")
        assert not first.exists()  # held back until the block succeeds
        write_text(second, "2")
    assert (first.read_text(), second.read_text()) == ("1", "2")
    with pytest.raises(RuntimeError), together():
        write_text(first, "new 1")
        raise RuntimeError("killed before the second output")
    assert first.read_text() == "1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv"]


def test_a_directory_is_replaced_whole(tmp_path):
    final = tmp_path / "figures"
    final.mkdir()
    (final / "old.png").write_text("from the last run")
    with pytest.raises(RuntimeError), atomic_directory(final) as staged:
        (staged / "new.png").write_text("half of this run")
        raise RuntimeError
    assert [p.name for p in final.iterdir()] == ["old.png"]
    with atomic_directory(final) as staged:
        (staged / "new.png").write_text("this run")
    assert [p.name for p in final.iterdir()] == ["new.png"]
    assert final.stat().st_mode & 0o777 == 0o777 & ~_umask()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures"]
