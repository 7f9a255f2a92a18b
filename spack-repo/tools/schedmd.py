"""SchedMD's git repository of Slurm: release tags, GitHub's tag archives, what configure accepts.

Read with git only (a bare directory is enough). GitHub's archive of a tag, served at
https://github.com/SchedMD/slurm/archive/<tag>.tar.gz, is `git archive --format=tar
--prefix=slurm-<tag>/ <tag> | gzip -n -6`, byte for byte, so its sha256 can be recomputed here.
"""

import hashlib
import re
import subprocess

# A release tag: slurm-<major>-<minor>-<micro>-1 (release candidates end in -0rcN and are skipped).
TAG = re.compile(r"^slurm-(\d+)-(\d+)-(\d+)-1$")
GITHUB_ARCHIVE = "https://github.com/SchedMD/slurm/archive/{tag}.tar.gz"


def tag_of(version):
    """The git tag of a dotted release: 25.11.6 -> slurm-25-11-6-1."""
    return "slurm-" + version.replace(".", "-") + "-1"


def archive_url(version):
    return GITHUB_ARCHIVE.format(tag=tag_of(version))


def series_of(version):
    return ".".join(version.split(".")[:2])


def version_key(version):
    return tuple(int(part) for part in version.split("."))


def git(git_dir, *args, binary=False):
    result = subprocess.run(["git", f"--git-dir={git_dir}", *args], capture_output=True)
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {git_dir}: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout if binary else result.stdout.decode()


def resolve_git_dir(path):
    """The git directory of `path`: a bare repository, or a work tree's .git."""
    result = subprocess.run(["git", "-C", path, "rev-parse", "--absolute-git-dir"], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{path} is not a git repository: {result.stderr.strip()}")
    return result.stdout.strip()


def releases(git_dir):
    """Every release tag of the repository, as {dotted version: tag}."""
    found = {}
    for tag in git(git_dir, "tag", "--list", "slurm-*").split():
        m = TAG.match(tag)
        if m:
            found[".".join(m.groups())] = tag
    return found


def archive_sha256(git_dir, tag):
    """sha256 of GitHub's tag archive of `tag`, remade from git: git archive | gzip -n -6."""
    archive = subprocess.Popen(
        ["git", f"--git-dir={git_dir}", "archive", "--format=tar", f"--prefix=slurm-{tag}/", tag],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    gzip = subprocess.Popen(["gzip", "-n", "-6"], stdin=archive.stdout, stdout=subprocess.PIPE)
    archive.stdout.close()  # gzip alone reads it now
    digest = hashlib.sha256()
    for chunk in iter(lambda: gzip.stdout.read(1 << 20), b""):
        digest.update(chunk)
    gzip.wait()
    err = archive.stderr.read().decode(errors="replace").strip()
    archive.wait()
    if archive.returncode != 0 or gzip.returncode != 0:
        raise RuntimeError(f"git archive {tag} | gzip failed: {err or f'gzip exit {gzip.returncode}'}")
    return digest.hexdigest()


def show(git_dir, tag, path):
    return git(git_dir, "show", f"{tag}:{path}")


# ---- configure ---------------------------------------------------------------------------------


def normalize(option):
    """The name configure compares, for --with-X/--without-X/--enable-X/--disable-X (autoconf turns
    '-', '+' and '.' of X into '_' and checks `with_X`/`enable_X` against ac_user_opts), or the option
    itself for any other (--prefix, --sysconfdir, ...). Takes `--name` or `--name=value`."""
    name = option.split("=", 1)[0]
    m = re.match(r"^--(with|without|enable|disable)-(.+)$", name)
    if not m:
        return name
    kind = {"without": "with", "disable": "enable"}.get(m.group(1), m.group(1))
    return f"--{kind}-{re.sub(r'[-+.]', '_', m.group(2))}"


def configure_options(git_dir, tag):
    """The options the configure script committed at `tag` recognises, normalized (see normalize):
    autoconf's own (from the help text before "Optional Features:") and the package's
    (ac_user_opts, the list configure checks --with/--enable options against, warning
    "unrecognized options" for any other)."""
    script = show(git_dir, tag, "configure")
    m = re.search(r"^ac_user_opts='\n(.*?)\n'$", script, re.S | re.M)
    if not m:
        raise RuntimeError(f"{tag}: configure has no ac_user_opts list")
    options = set()
    for word in m.group(1).split():
        kind, _, name = word.partition("_")
        if kind not in ("with", "enable") or not name:
            raise RuntimeError(f"{tag}: unexpected ac_user_opts entry {word!r}")
        options.add(f"--{kind}-{name}")
    help_start = script.find("\nConfiguration:\n")
    help_end = script.find("\nOptional Features:", help_start)
    if help_start < 0 or help_end < 0:
        raise RuntimeError(f"{tag}: configure's help text was not found")
    for line in script[help_start:help_end].splitlines():
        for opt in re.findall(r"(?:^\s+|,\s)(--[a-z][a-z-]*)", line):
            options.add(opt)
    check_against_sources(git_dir, tag, options)
    return options


def check_against_sources(git_dir, tag, options):
    """Every AC_ARG_WITH/AC_ARG_ENABLE of configure.ac and auxdir/*.m4 must be in the committed
    configure's list: a configure out of step with its sources would make the list meaningless."""
    sources = [show(git_dir, tag, "configure.ac")]
    for path in git(git_dir, "ls-tree", "--name-only", tag, "auxdir/").split():
        if path.endswith(".m4"):
            sources.append(show(git_dir, tag, path))
    declared = set()
    for text in sources:
        for kind, name in re.findall(r"AC_ARG_(WITH|ENABLE)\(\s*\[?\s*([A-Za-z0-9_+.-]+)", text):
            declared.add(normalize(f"--{kind.lower()}-{name}"))
    missing = sorted(declared - options)
    if missing:
        raise RuntimeError(f"{tag}: configure.ac/auxdir declare {', '.join(missing)}, which the committed configure lacks")


def pmix_majors(git_dir, tag):
    """PMIx major versions auxdir/x_ac_pmix.m4 accepts (its `PMIX_VERSION_MAJOR != <n>L` probes)."""
    text = show(git_dir, tag, "auxdir/x_ac_pmix.m4")
    majors = sorted({int(n) for n in re.findall(r"PMIX_VERSION_MAJOR\s*!=\s*(\d+)L", text)})
    if not majors:
        raise RuntimeError(f"{tag}: auxdir/x_ac_pmix.m4 probes no PMIx major version")
    return majors
