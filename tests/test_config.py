"""Instance secrets: generated once, private, and the same for every process that starts at once."""

from __future__ import annotations

import multiprocessing
import stat
import threading

import pytest

from compliance import config

PROCESSES = 12


def _read_secret_together(instance_path, barrier, results) -> None:
    barrier.wait()
    results.put(config.instance_secret(instance_path, "audit_hmac_key"))


def test_a_secret_is_generated_once_private_and_kept(tmp_path, file_system):
    instance = tmp_path / "instance"

    first = config.instance_secret(instance, "secret_key")
    again = config.instance_secret(instance, "secret_key")

    assert len(first) == 64 and int(first, 16) >= 0
    assert again == first
    assert stat.S_IMODE((instance / "secret_key").stat().st_mode) == 0o600
    assert [p.name for p in instance.iterdir()] == ["secret_key"]


def _no_hard_links(source, target):
    raise PermissionError(1, "Operation not permitted", str(target))


@pytest.fixture(params=["hard links", "no hard links"])
def file_system(request, monkeypatch):
    """The instance folder on a local disk, or on a share that refuses hard links (the forked
    processes inherit the patch)."""
    if request.param == "no hard links":
        monkeypatch.setattr(config.os, "link", _no_hard_links)
    return request.param


def test_processes_starting_together_on_a_fresh_folder_share_one_secret(tmp_path, file_system):
    """A server and `demo load` (or gunicorn workers) racing to create the key must agree on it."""
    ctx = multiprocessing.get_context("fork")
    for attempt in range(5):
        instance = tmp_path / f"instance{attempt}"
        barrier, results = ctx.Barrier(PROCESSES), ctx.Queue()
        workers = [
            ctx.Process(target=_read_secret_together, args=(instance, barrier, results))
            for _ in range(PROCESSES)
        ]
        for worker in workers:
            worker.start()
        secrets = [results.get(timeout=30) for _ in workers]
        for worker in workers:
            worker.join(timeout=30)

        assert [worker.exitcode for worker in workers] == [0] * PROCESSES
        assert len(set(secrets)) == 1 and len(secrets[0]) == 64
        assert (instance / "audit_hmac_key").read_text() == secrets[0]
        assert [p.name for p in instance.iterdir()] == ["audit_hmac_key"]


def test_a_process_that_loses_the_race_takes_the_winners_secret(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    real_token_hex = config.secrets.token_hex

    def peer_wins_meanwhile(nbytes):
        (instance / "secret_key").write_text("peer" * 16)
        return real_token_hex(nbytes)

    monkeypatch.setattr(config.secrets, "token_hex", peer_wins_meanwhile)

    assert config.instance_secret(instance, "secret_key") == "peer" * 16
    assert (instance / "secret_key").read_text() == "peer" * 16
    assert [p.name for p in instance.iterdir()] == ["secret_key"]


def test_a_secret_created_but_not_yet_written_is_waited_for(tmp_path):
    """Without hard links a peer creates the file first and writes it next: read it once written."""
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "secret_key").touch()
    writer = threading.Timer(0.2, (instance / "secret_key").write_text, args=("peer" * 16,))
    writer.start()
    try:
        assert config.instance_secret(instance, "secret_key") == "peer" * 16
    finally:
        writer.join()


def test_a_secret_left_empty_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "SECRET_WAIT_SECONDS", 0.1)
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "audit_hmac_key").touch()
    with pytest.raises(RuntimeError, match=r"audit_hmac_key is empty: delete it and start again"):
        config.instance_secret(instance, "audit_hmac_key")
