"""RCULAB_COMMIT: the short commit of the tree, -dirty when it differs from HEAD."""
import subprocess

import pytest

from lab.setup import provenance


def git(repo, *args):
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path):
    tmp_path = tmp_path / "repo"
    tmp_path.mkdir()
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "t@example.com")
    git(tmp_path, "config", "user.name", "t")
    (tmp_path / ".gitignore").write_text("build/\n")
    (tmp_path / "a.txt").write_text("one\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "first")
    return tmp_path


def test_clean_tree_is_the_short_head(repo):
    head = git(repo, "rev-parse", "--short=12", "HEAD")
    assert len(head) == 12
    assert provenance.commit_id(repo) == head


def test_ignored_files_keep_it_clean(repo):
    (repo / "build").mkdir()
    (repo / "build" / "x.o").write_text("")
    assert not provenance.commit_id(repo).endswith("-dirty")


@pytest.mark.parametrize("change", ["modify", "untracked", "staged"])
def test_changes_make_it_dirty(repo, change):
    if change == "modify":
        (repo / "a.txt").write_text("two\n")
    elif change == "untracked":
        (repo / "new.cpp").write_text("")
    else:
        (repo / "b.txt").write_text("")
        git(repo, "add", "b.txt")
    head = git(repo, "rev-parse", "--short=12", "HEAD")
    assert provenance.commit_id(repo) == head + "-dirty"


def test_not_a_repository_gives_none(tmp_path):
    assert provenance.commit_id(tmp_path) is None


def test_bench_env_adds_the_commit_only_when_known(repo, tmp_path, monkeypatch):
    monkeypatch.setenv("RCULAB_COMMIT", "stale")
    assert provenance.bench_env(repo)["RCULAB_COMMIT"] == provenance.commit_id(repo)
    outside = tmp_path / "plain"
    outside.mkdir()
    assert provenance.bench_env(outside)["RCULAB_COMMIT"] == "stale"  # left as it was


def test_without_git_it_gives_none(repo, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert provenance.commit_id(repo) is None
