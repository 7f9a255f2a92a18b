"""The project's files that name Slurm releases, read and rewritten as text: the slurm recipe's
version() lines and PMIx bounds, the catalog (src/catalog.ts), the README's table of releases and
the per-series lists of configure options beside the recipe."""

import os
import re

from schedmd import configure_options, series_of, tag_of, version_key

ROOT = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
RECIPE = os.path.join("spack-repo", "spack_repo", "slurm_factory", "packages", "slurm", "package.py")
OPTIONS_DIR = os.path.join("spack-repo", "spack_repo", "slurm_factory", "packages", "slurm", "configure-options")
CATALOG = os.path.join("src", "catalog.ts")
README = "README.md"

# version("26.05.1", sha256="...", url=_github("26.05.1")) on one line or several.
VERSION = re.compile(
    r'^(?P<indent>[ \t]*)version\(\s*"(?P<version>[^"]+)",\s*sha256="(?P<sha256>[0-9a-f]*)",\s*'
    r'url=(?P<helper>_\w+)\("(?P<url_version>[^"]+)"\),?\s*\)[ \t]*\n',
    re.M,
)
PMIX_BOUNDS = re.compile(r"^PMIX_BOUNDS = \((?P<body>.*?)^\)\n", re.M | re.S)
PMIX_BOUND = re.compile(r'\(\s*"(@[^"]*)",\s*"(\d+):(\d+)"\s*\)')
SERIES = re.compile(r"export const SLURM_SERIES = \[([^\]]*)\] as const")
RELEASES = re.compile(r"export const SLURM_RELEASES = \[[^\]]*\] as const")
README_BLOCK = re.compile(r"(<!-- slurm-releases:begin[^>]*-->\n).*?(<!-- slurm-releases:end -->)", re.S)


def read(root, relative):
    with open(os.path.join(root, relative)) as f:
        return f.read()


def write(root, relative, text):
    with open(os.path.join(root, relative), "w") as f:
        f.write(text)


def recipe_versions(text):
    """[{version, sha256, helper, url_version}] in the recipe's order."""
    return [m.groupdict() for m in VERSION.finditer(text)]


def supported_series(catalog_text):
    m = SERIES.search(catalog_text)
    if not m:
        raise RuntimeError(f"{CATALOG} has no SLURM_SERIES")
    return re.findall(r"'([^']+)'", m.group(1))


def pmix_bounds(text):
    """[(when, low, high)] from the recipe's PMIX_BOUNDS, e.g. ("@:25.05.1", 2, 5)."""
    m = PMIX_BOUNDS.search(text)
    if not m:
        raise RuntimeError(f"{RECIPE} has no PMIX_BOUNDS table")
    return [(when, int(lo), int(hi)) for when, lo, hi in PMIX_BOUND.findall(m.group("body"))]


def in_range(version, when):
    """Whether a dotted release lies in a Spack version range `@a:b` (either end open; a bound
    matches the releases it is a prefix of, as in Spack)."""
    low, _, high = when.lstrip("@").partition(":")
    key = version_key(version)

    def cut(bound):
        return key[: len(version_key(bound))]

    return (not low or cut(low) >= version_key(low)) and (not high or cut(high) <= version_key(high))


def pmix_bound_for(text, version):
    matches = [(lo, hi) for when, lo, hi in pmix_bounds(text) if in_range(version, when)]
    return matches[0] if len(matches) == 1 else None


def add_versions(text, new):
    """The recipe with a version() line for each (version, sha256) of `new`, newest first among the
    existing ones, in the one-line form."""
    entries = recipe_versions(text)
    if not entries:
        raise RuntimeError(f"{RECIPE} has no version() line to add next to")
    indent = entries[0]["indent"]
    for version, sha256 in sorted(new, key=lambda item: version_key(item[0])):
        line = f'{indent}version("{version}", sha256="{sha256}", url=_github("{version}"))\n'
        matches = list(VERSION.finditer(text))
        older = [m for m in matches if version_key(m.group("version")) < version_key(version)]
        at = older[0].start() if older else matches[-1].end()
        text = text[:at] + line + text[at:]
    return text


def catalog_with(catalog_text, versions):
    """src/catalog.ts with SLURM_RELEASES set to `versions` (newest first), laid out as Prettier
    does with printWidth 120: on one line when it fits, otherwise one release per line."""
    quoted = [f"'{v}'" for v in versions]
    one_line = f"export const SLURM_RELEASES = [{', '.join(quoted)}] as const"
    block = one_line if len(one_line) <= 120 else "export const SLURM_RELEASES = [\n" + ",\n".join(f"  {q}" for q in quoted) + "\n] as const"
    if not RELEASES.search(catalog_text):
        raise RuntimeError(f"{CATALOG} has no SLURM_RELEASES")
    return RELEASES.sub(lambda _m: block, catalog_text, count=1)


def releases_table(series, versions):
    """The README's table: one row per supported series, newest series first, its releases newest first."""
    rows = ["| series | releases (newest first; the series builds the first) |", "| --- | --- |"]
    for s in sorted(series, key=version_key, reverse=True):
        mine = [v for v in versions if series_of(v) == s]
        rows.append(f"| {s} | {', '.join(mine) if mine else '(none)'} |")
    return "\n".join(rows) + "\n"


def readme_with(readme_text, series, versions):
    if not README_BLOCK.search(readme_text):
        raise RuntimeError(f"{README} has no <!-- slurm-releases:begin --> ... <!-- slurm-releases:end --> block")
    return README_BLOCK.sub(lambda m: m.group(1) + "\n" + releases_table(series, versions) + "\n" + m.group(2), readme_text, count=1)


def options_file(series):
    return os.path.join(OPTIONS_DIR, f"{series}.txt")


def render_options(series, tags, options):
    header = [
        f"# Options the configure script of Slurm {series} recognises, in all of the recipe's {series} releases:",
        f"# {', '.join(tags)}.",
        "# --with-X/--without-X and --enable-X/--disable-X are written as configure compares them: --with-X or",
        "# --enable-X, with '-', '+' and '.' of X turned into '_'. Generated from SchedMD's git by",
        "# spack-repo/configure-options; __tests__/spack-repo/check_repo.py checks configure_args() against it.",
    ]
    return "\n".join(header + sorted(options)) + "\n"


def parse_options(text):
    return {line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")}


def option_files(git_dir, versions):
    """{relative path: text} of each series' configure-options file for the recipe's `versions`: the
    options the configure script of every one of its releases recognises (their intersection)."""
    by_series = {}
    for version in versions:
        by_series.setdefault(series_of(version), []).append(version)
    files = {}
    for series, members in sorted(by_series.items(), key=lambda item: version_key(item[0])):
        tags = [tag_of(v) for v in sorted(members, key=version_key)]
        options = None
        for tag in tags:
            found = configure_options(git_dir, tag)
            options = found if options is None else options & found
        files[options_file(series)] = render_options(series, tags, options)
    return files


def stale_option_files(root, files):
    """Options files in the directory that `files` does not name (a series the recipe no longer has)."""
    directory = os.path.join(root, OPTIONS_DIR)
    if not os.path.isdir(directory):
        return []
    names = [os.path.join(OPTIONS_DIR, n) for n in sorted(os.listdir(directory)) if n.endswith(".txt")]
    return [path for path in names if path not in files]


def write_option_files(root, files):
    """Writes `files` and removes stale ones; returns the relative paths changed."""
    os.makedirs(os.path.join(root, OPTIONS_DIR), exist_ok=True)
    changed = []
    for path, text in files.items():
        full = os.path.join(root, path)
        if not os.path.isfile(full) or read(root, path) != text:
            write(root, path, text)
            changed.append(path)
    for path in stale_option_files(root, files):
        os.remove(os.path.join(root, path))
        changed.append(path)
    return changed
