"""URLs in reports: dashboard paths, storage files and git web views."""

from __future__ import annotations

from urllib.parse import quote, quote_plus, urlsplit


def segment(value: object) -> str:
    """One path segment, form-encoded (`/` → `%2F`, space → `+`), email-reports.md §3.3."""
    return quote_plus(str(value), safe="")


def join(base: str, *parts: object) -> str:
    """`base` without its trailing slash, then the parts joined with `/`."""
    return "/".join([base.rstrip("/"), *(str(p).strip("/") for p in parts if p not in (None, ""))])


def storage_path(*parts: object) -> str:
    """A relative storage path with each part percent-encoded (slashes inside parts kept)."""
    return "/".join(quote(str(p).strip("/"), safe="/") for p in parts if p not in (None, ""))


def git_commit_url(git_url: str | None, sha: str | None) -> str | None:
    """The web view of a commit (email-reports.md §7); the git URL itself for unknown hosts."""
    if not git_url:
        return None
    parts = urlsplit(git_url)
    host, path = parts.hostname or "", parts.path
    if not sha:
        return git_url
    if host == "git.kernel.org":
        return f"https://git.kernel.org/cgit/{path.replace('/pub/scm/', '/').lstrip('/')}/commit/?id={sha}"
    if host == "git.linaro.org":
        return f"https://git.linaro.org{path}/commit/?id={sha}"
    if host == "android.googlesource.com":
        return f"https://android.googlesource.com{path}/+/{sha}"
    if host == "anongit.freedesktop.org":
        path = path.replace("/git/", "/")
        if path.endswith(".git"):
            path = path[:-4]
        return f"https://cgit.freedesktop.org{path}/commit/?id={sha}"
    return git_url
