"""A non-editable install finds its templates, static files and migrations."""

import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("compliance-*.whl")
    return built


def test_wheel_carries_templates_static_and_migrations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "compliance/templates/base.html",
        "compliance/templates/auth/login.html",
        "compliance/static/vendor/bootstrap-5.3.9/bootstrap.min.css",
        "compliance/static/js/app.js",
        "compliance/migrations/env.py",
        "compliance/migrations/alembic.ini",
    ):
        assert expected in names, expected
    assert any(n.startswith("compliance/migrations/versions/") for n in names)


def test_installed_package_serves_pages_and_static_files(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    script = textwrap.dedent(
        f"""
        import compliance, pathlib
        where = pathlib.Path(compliance.__file__)
        assert where.is_relative_to({str(target)!r}), where
        from flask_migrate import upgrade
        app = compliance.create_app({{"INSTANCE_PATH": {str(tmp_path / "inst")!r},
                                      "COMPLIANCE_ENV": "testing"}})
        assert app.template_folder.startswith({str(target)!r}), app.template_folder
        with app.app_context():
            upgrade()
        client = app.test_client()
        login = client.get("/login")
        assert login.status_code == 200 and "Sign in" in login.text, login.status_code
        css = client.get("/static/vendor/bootstrap-5.3.9/bootstrap.min.css")
        assert css.status_code == 200 and len(css.data) > 100000
        css.close()
        print("installed-ok")
        """
    )
    env = {"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "installed-ok" in result.stdout
