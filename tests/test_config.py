"""Instance secrets: generated once, private, and the same for every process that starts at once."""

from __future__ import annotations

import multiprocessing
import stat

from compliance import config

PROCESSES = 12


def _read_secret_together(instance_path, barrier, results) -> None:
    barrier.wait()
    results.put(config.instance_secret(instance_path, "audit_hmac_key"))


def test_a_secret_is_generated_once_private_and_kept(tmp_path):
    instance = tmp_path / "instance"

    first = config.instance_secret(instance, "secret_key")
    again = config.instance_secret(instance, "secret_key")

    assert len(first) == 64 and int(first, 16) >= 0
    assert again == first
    assert stat.S_IMODE((instance / "secret_key").stat().st_mode) == 0o600
    assert [p.name for p in instance.iterdir()] == ["secret_key"]


def test_processes_starting_together_on_a_fresh_folder_share_one_secret(tmp_path):
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
