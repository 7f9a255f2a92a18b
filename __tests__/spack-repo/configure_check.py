"""The slurm recipe's configure_args() run for real, for the newest release of each series, against a
fake spec (every boolean variant off, every one on, every one on with sysconfdir set), and the
arguments checked: one flag per variant, no duplicates, every directory inside the prefix created by
a run_before("configure") hook, and every option one that series' configure recognises
(configure-options/<series>.txt beside the recipe, written by spack-repo/configure-options).
Used by check_repo.py."""

import json
import os
import re
import shutil
import sys
import tempfile
import types

sys.dont_write_bytecode = True  # leave no __pycache__ in the repository
# The project's own reading of configure's options (spack-repo/tools/), one place for it.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "spack-repo", "tools"))
from recipe import parse_options  # noqa: E402
from schedmd import normalize  # noqa: E402

# mkdirp may only create directories below this root (the temporary prefix of a configure check).
SANDBOX = None


def mkdirp(*paths, mode=None, **kwargs):
    for path in paths:
        real = os.path.realpath(path)
        if SANDBOX is None or not (real == SANDBOX or real.startswith(SANDBOX + os.sep)):
            raise RuntimeError(f"mkdirp({path!r}) outside the package prefix")
        os.makedirs(real, exist_ok=True)



class Prefix(str):
    """A path whose attributes are sub-paths, like Spack's Prefix: Prefix("/p").lib.security."""

    def __getattr__(self, name):
        if name.startswith("_"):  # leave Python's protocols (__fspath__, __deepcopy__, ...) alone
            raise AttributeError(name)
        return Prefix(os.path.join(self, name))


class FakeSpec:
    """A concrete spec of one package: a version, fixed variant values, and the declared
    dependencies whose `when` holds, each installed at /deps/<name>."""

    def __init__(self, pkg_name, version, declared_variants, values, depends, prefix):
        self.name = pkg_name
        self.version = version
        self.prefix = prefix
        self.variants = {}
        for vname, var in declared_variants.items():
            value = values.get(vname, var["default"])
            self.variants[vname] = types.SimpleNamespace(name=vname, value=value)
        self._deps = {}
        for d in depends:
            dep = re.match(r"^[A-Za-z0-9_-]+", d["spec"]).group(0)
            if not d["when"] or self.satisfies(d["when"]):
                self._deps[dep] = types.SimpleNamespace(name=dep, prefix=Prefix(f"/deps/{dep}"))

    def satisfies(self, constraint):
        """`+x`, `~x`, `x=value` and `@range`, space-separated. Stricter than Spack: a variant the
        package does not declare, or any other kind of constraint, raises instead of answering False."""
        for token in constraint.split():
            if token.startswith("@"):
                if not in_version_range(self.version, token):
                    return False
                continue
            m = re.match(r"^([+~])([A-Za-z0-9_-]+)$|^([A-Za-z0-9_-]+)=(.+)$", token)
            if not m:
                raise ValueError(f"the fake spec cannot evaluate {token!r}")
            vname = m.group(2) or m.group(3)
            if vname not in self.variants:
                raise KeyError(f"{vname!r} is not a variant of {self.name}")
            value = self.variants[vname].value
            if m.group(1):
                holds = value is (m.group(1) == "+")
            else:
                holds = str(value) == m.group(4)
            if not holds:
                return False
        return True

    def __contains__(self, constraint):  # `"+pam" in spec`
        return self.satisfies(constraint)

    def __getitem__(self, dep):
        if dep not in self._deps:
            on = sorted(n for n, v in self.variants.items() if v.value is True)
            raise KeyError(f"spec[{dep!r}]: no such dependency with variants on {on}")
        return self._deps[dep]


def version_key(version):
    return tuple(int(p) for p in version.split("."))


def in_version_range(version, token):
    """Spack's `@a`, `@a:b`, `@a:`, `@:b` for dotted releases: a bound matches every release it is a
    prefix of (`@:25.05.1` holds for 25.05.1, `@25.05:` for 25.05.0 and later)."""
    spec = token[1:]
    if "," in spec:
        return any(in_version_range(version, "@" + part) for part in spec.split(","))
    low, colon, high = spec.partition(":")
    if not colon:
        high = low
    key = version_key(version)
    ok = True
    if low:
        ok = ok and key[: len(version_key(low))] >= version_key(low)
    if high:
        ok = ok and key[: len(version_key(high))] <= version_key(high)
    return ok


# The flag each boolean Slurm variant must produce: (activation word, configure name). A series whose
# configure has no such option must get neither form (see configure-options/<series>.txt).
SLURM_FLAGS = {
    "rest": ("enable", "slurmrestd"),
    "pmix": ("with", "pmix"),
    "ucx": ("with", "ucx"),
    "hwloc": ("with", "hwloc"),
    "nvml": ("with", "nvml"),
    "rsmi": ("with", "rsmi"),
    "readline": ("with", "readline"),
    "hdf5": ("with", "hdf5"),
    "cgroup": ("enable", "cgroupv2"),
    "pam": ("enable", "pam"),
    "gtk": ("enable", "sview"),
    "mariadb": ("with", "mysql_config"),
}
NEGATION = {"with": "without", "enable": "disable"}
OPTIONS_DIR = "configure-options"


def hooks(cls, kind, phase):
    """The methods marked run_before/run_after `phase`, in definition order (base classes first)."""
    found = {}
    for klass in reversed(cls.__mro__):
        for name, attr in vars(klass).items():
            if phase in (getattr(attr, f"_run_{kind}", None) or ()):
                found[name] = attr
    return list(found.values())


def read_series_options(pkg_dir, check):
    """{series: set of normalized options} from the recipe's configure-options/<series>.txt."""
    directory = os.path.join(pkg_dir, OPTIONS_DIR)
    options = {}
    if not check("configure-options", os.path.isdir(directory), f"{directory} missing (spack-repo/configure-options writes it)"):
        return options
    for name in sorted(os.listdir(directory)):
        if name.endswith(".txt"):
            with open(os.path.join(directory, name)) as f:
                options[name[: -len(".txt")]] = parse_options(f.read())
    return options


def check_slurm_configure(recorded, pkg_dir, check):
    """Run the slurm recipe's run_before("configure") hooks and configure_args() for real, for the
    newest release of each series, with every boolean variant off, every one on, and every one on
    with sysconfdir set; check the arguments against what that series' configure recognises."""
    module, cls, rec = recorded
    booleans = [n for n, v in rec.variants.items() if isinstance(v["default"], bool) and v["values"] is None]
    for n in booleans:
        check("configure", n in SLURM_FLAGS, f"slurm variant {n} has no expected configure flag in check_repo.py")
    series_options = read_series_options(pkg_dir, check)
    newest = {}
    for v in rec.versions:
        series = ".".join(v["version"].split(".")[:2])
        if series not in newest or version_key(v["version"]) > version_key(newest[series]):
            newest[series] = v["version"]
    for series in sorted(set(series_options) - set(newest)):
        check("configure-options", False, f"{OPTIONS_DIR}/{series}.txt: the recipe has no {series} release")
    all_on = {n: True for n in booleans}
    runs = (
        ("all variants off", {n: False for n in booleans}),
        ("all variants on", all_on),
        ("all variants on, sysconfdir=/etc/slurm", {**all_on, "sysconfdir": "/etc/slurm"}),
    )
    for series, version in sorted(newest.items()):
        options = series_options.get(series)
        if series_options and not check("configure-options", options is not None, f"no {OPTIONS_DIR}/{series}.txt for slurm@{version}"):
            continue
        for label, values in runs:
            where = f"slurm@{version} ({label})"
            args = run_configure_args(cls, rec, version, values, where, check)
            if args is None:
                continue
            enabled = {n for n in booleans if values[n]}
            check_configure_args(where, args, enabled, booleans, args.prefix, options, check)
            if options is not None:
                check_known_options(where, series, ["--prefix=" + args.prefix] + list(args), options, check)


class Args(list):
    """configure_args() plus the prefix it was run with."""

    prefix = ""


def run_configure_args(cls, rec, version, values, where, check):
    global SANDBOX
    tmp = tempfile.mkdtemp(prefix="slurm-prefix-")
    SANDBOX = os.path.realpath(tmp)
    try:
        prefix = Prefix(os.path.join(SANDBOX, "slurm"))
        os.mkdir(prefix)  # Spack creates the prefix before the configure phase
        pkg = cls.__new__(cls)  # no __init__: the stub has no PackageBase to set up
        pkg.spec = FakeSpec("slurm", version, rec.variants, values, rec.depends, prefix)
        pkg.prefix = prefix
        pkg._declared_variants = rec.variants
        try:
            for hook in hooks(cls, "before", "configure"):
                if hook._run_when is None or pkg.spec.satisfies(hook._run_when):
                    hook(pkg)
            args = pkg.configure_args()
        except Exception as e:  # noqa: BLE001 - any failure of the recipe is a finding
            check("configure", False, f"{where}: {type(e).__name__}: {e}")
            return None
        if not check("configure", isinstance(args, list), f"{where}: configure_args() returned {type(args).__name__}"):
            return None
        check_resolved_paths(where, cls, pkg, prefix, check)
        # configure checks `test -d` on directories inside the prefix: record which exist now.
        result = Args(a for a in args)
        result.prefix = prefix
        result.missing_dirs = [a for a in args if isinstance(a, str) and _inside_missing(a, prefix)]
        return result
    finally:
        SANDBOX = None
        shutil.rmtree(tmp, ignore_errors=True)


def check_resolved_paths(where, cls, pkg, prefix, check):
    """The recipe records, inside the prefix, the compiled-in paths its patch resolves at run time:
    the prefix, plugin directory, slurmstepd, srun, and slurm.conf only while sysconfdir is the
    prefix's etc/."""
    try:
        pkg.record_resolved_paths()
        with open(os.path.join(prefix, cls.RESOLVED_PATHS_FILE)) as f:
            recorded = json.load(f)["resolvedAtRunTime"]
    except Exception as e:  # noqa: BLE001 - any failure of the recipe is a finding
        check("resolved", False, f"{where}: recording the resolved paths failed: {type(e).__name__}: {e}")
        return
    inside = pkg.spec.variants["sysconfdir"].value == "PREFIX/etc"
    want = [".", "bin/srun"] + (["etc/slurm.conf"] if inside else []) + ["lib/slurm", "sbin/slurmstepd"]
    check("resolved", recorded == want, f"{where}: {cls.RESOLVED_PATHS_FILE} lists {recorded}, want {want}")


def _inside_missing(arg, prefix):
    name, eq, value = arg.partition("=")
    if not eq or not os.path.isabs(value):
        return False
    real = os.path.realpath(value)
    return (real == prefix or real.startswith(prefix + os.sep)) and not os.path.isdir(real)


def check_known_options(where, series, args, options, check):
    for arg in args:
        if not isinstance(arg, str):
            continue
        check(
            "configure-options",
            normalize(arg) in options,
            f"{where}: {arg.split('=', 1)[0]} is not an option of Slurm {series}'s configure "
            f"({OPTIONS_DIR}/{series}.txt); configure would warn \"unrecognized options\" and ignore it",
        )


def check_configure_args(where, args, enabled, booleans, prefix, options, check):
    for arg in args:
        check("configure", isinstance(arg, str) and arg.startswith("--"), f"{where}: argument {arg!r} does not start with --")
    strings = [a for a in args if isinstance(a, str)]
    # Each variant's flag is there, its opposite is not (neither, when this series' configure lacks the option).
    for n in booleans:
        if n not in SLURM_FLAGS:
            continue
        word, flag = SLURM_FLAGS[n]
        on = f"--{word}-{flag}"
        off = f"--{NEGATION[word]}-{flag}"
        has_on = any(a == on or a.startswith(on + "=") for a in strings)
        has_off = off in strings
        if options is not None and normalize(on) not in options:
            check("configure", not has_on and not has_off, f"{where}: variant {n}: this configure has no {on}, yet it is given")
        elif n in enabled:
            # mysql_config names a directory; a bare --with-mysql_config would not.
            ok = any(a.startswith(on + "=") for a in strings) if n == "mariadb" else has_on
            check("configure", ok and not has_off, f"{where}: variant {n} on must give {on}{'=...' if n == 'mariadb' else ''} (and not {off})")
        else:
            check("configure", has_off and not has_on, f"{where}: variant {n} off must give {off} (and not {on})")
    # configure checks `test -d` on directories it is given, so those inside the package's own
    # prefix must have been created by a run_before("configure") hook.
    for arg in getattr(args, "missing_dirs", []):
        name, _, value = arg.partition("=")
        shown = "<prefix>" + os.path.realpath(value)[len(prefix):]
        check("configure", False, f"{where}: {name}={shown} is inside the prefix but no run_before(\"configure\") hook created it")
    for arg in sorted(set(strings)):
        check("configure", strings.count(arg) == 1, f"{where}: {arg} given {strings.count(arg)} times")
