"""Every way to run credflow's tests, checks, docs, demo and benchmarks.

nox -s demo              # the end-to-end story, with the embedded authorization server
nox -s tests             # the whole suite on 3.11 and 3.13, in random order (starts its own servers:
                         # OpenBao, moto, Redis, oidc-provider); nox -s tests-3.11 for one Python
nox -s tests -- --random-order-seed=N   # replay the order of a run (its seed is in the header)
nox -s lint typecheck    # ruff and mypy --strict
nox -s docs              # mkdocs build --strict
nox -s bench             # benchmarks, printed as tables of ratios
nox -s rotation-drill    # the rotation drill under load, printed as a report
nox -s soak              # the soak: 30 minutes of load and faults (`-- --minutes 2` in CI)
"""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["tests", "lint", "typecheck", "docs"]
# Interpreters come from the machine (PATH, pyenv); a missing one is an error, never a download.
nox.options.download_python = "never"

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml("pyproject.toml")
PLUGINS = sorted(str(path.parent) for path in (ROOT / "plugins").glob("*/pyproject.toml"))
TEST_PLUGIN = "tests/fixtures/credflow-testplugin"
PYTHON = "3.11"
# The oldest and the newest CPython credflow supports (the classifiers list 3.11 to 3.13).
TEST_PYTHONS = ["3.11", "3.13"]
# Every test in random order across the whole suite; pytest-random-order prints the seed in the
# header, and `-- --random-order-seed=N` (after these, so it wins) replays that order.
RANDOM_ORDER = ["-p", "random_order", "--random-order-bucket=global"]


def install_credflow(session: nox.Session, *extra: str) -> None:
    """credflow with its extras and every plugin package of this repository, editable."""
    editables = ["-e", ".[testing,requests,jwt]"]
    for plugin in PLUGINS:
        editables += ["-e", f"{plugin}[testing]" if _has_testing_extra(plugin) else plugin]
    session.install(*editables, *extra)


def _has_testing_extra(plugin: str) -> bool:
    extras = nox.project.load_toml(f"{plugin}/pyproject.toml")["project"].get("optional-dependencies", {})
    return "testing" in extras


@nox.session(python=TEST_PYTHONS)
def tests(session: nox.Session) -> None:
    """The whole suite in random order: core, CLI, plugins against real servers, oidc-provider interop."""
    session.run("bash", "tools/provision.sh", external=True)
    install_credflow(session, *nox.project.dependency_groups(PYPROJECT, "test"))
    if Path(TEST_PLUGIN).exists():
        session.install("-e", TEST_PLUGIN)
    # No paths among the arguments: pyproject's testpaths, the core's and every plugin's tests.
    session.run("pytest", *RANDOM_ORDER, *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the core, every plugin, their tests and the benchmarks."""
    install_credflow(session, *nox.project.dependency_groups(PYPROJECT, "typecheck", "test", "bench"))
    session.run("mypy", "src", *(f"{plugin}/src" for plugin in PLUGINS))
    # Test directories of different plugins hold same-named helper modules: one run each.
    session.run("mypy", "tests", "bench", "tools")
    for plugin in PLUGINS:
        session.run("mypy", f"{plugin}/tests")


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation strictly: a broken link or a missing page fails."""
    install_credflow(session, *nox.project.dependency_groups(PYPROJECT, "docs"))
    session.run("mkdocs", "build", "--strict", "--site-dir", str(Path(session.create_tmp()) / "site"))


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The end-to-end story: token, API call, secret rotation without a restart, audit log."""
    install_credflow(session)
    session.run("python", "tools/demo.py")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks, as ratios against baselines measured in the same run."""
    session.run("bash", "tools/provision.sh", external=True)
    install_credflow(session, *nox.project.dependency_groups(PYPROJECT, "bench"))
    session.run("python", "bench/run.py", *session.posargs)
    if Path("plugins/credflow-redis/bench/bench_redis.py").exists():
        session.run("python", "plugins/credflow-redis/bench/bench_redis.py")


@nox.session(name="rotation-drill", python=PYTHON)
def rotation_drill(session: nox.Session) -> None:
    """Rotate secrets under load against oidc-provider, with OpenBao, moto and a file; print the report."""
    session.run("bash", "tools/provision.sh", external=True)
    install_credflow(session, *nox.project.dependency_groups(PYPROJECT, "test"))
    session.run("python", "-m", "tests.drill", *session.posargs)


@nox.session(python=PYTHON)
def soak(session: nox.Session) -> None:
    """Call an API for a set time through rotations, 503 bursts, slow answers and OpenBao outages."""
    session.run("bash", "tools/provision.sh", external=True)
    install_credflow(session, *nox.project.dependency_groups(PYPROJECT, "test"))
    session.run("python", "-m", "tests.soak", *session.posargs)
