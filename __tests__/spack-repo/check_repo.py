#!/usr/bin/env python3
"""Check the project's Spack package repository without Spack.

Each package.py is executed by real Python against stub `spack.package` and
`spack_repo.builtin.build_systems.autotools` modules whose directives record what they are
given. The recorded versions, variants, dependencies and patches are then checked. The slurm
recipe's run_before("configure") hooks and configure_args() are then run for real against a fake
spec (every boolean variant off, then every one on) and the configure arguments are checked.

usage: check_repo.py REPO_ROOT --releases JSON_LIST --variants JSON_LIST

Prints one `FAIL <check>: <detail>` line per failed check (exit status 1), or `OK ...`.
"""

import argparse
import contextlib
import importlib.util
import json
import os
import re
import shutil
import sys
import tempfile
import types

sys.dont_write_bytecode = True  # leave no __pycache__ in the repository
# The project's own reading of configure's options (spack-repo/tools/schedmd.py), one place for it.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "spack-repo", "tools"))
from recipe import parse_options  # noqa: E402
from schedmd import normalize  # noqa: E402

SHA256 = re.compile(r"^[0-9a-f]{64}$")
GITHUB = re.compile(r"^https://github\.com/SchedMD/slurm/archive/slurm-(\d+)-(\d+)-(\d+)-1\.tar\.gz$")
CURL = re.compile(r"^https://curl\.se/download/curl-(\d+\.\d+\.\d+)\.tar\.bz2$")


class Recorder:
    def __init__(self):
        self.versions = []
        self.variants = {}
        self.depends = []
        self.patches = []
        self.conflicts = []
        self.when_stack = []

    def when(self, extra=None):
        parts = [w for w in self.when_stack if w]
        if extra:
            parts.append(extra)
        return " ".join(parts)


REC = Recorder()


class _Any:
    """Stands for anything the stub does not model (Executable, filter_file, ...)."""

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        return _Any()

    def __getattr__(self, name):
        return _Any()


def version(ver, sha256=None, **kwargs):
    REC.versions.append({"version": ver, "sha256": sha256, **kwargs})


def variant(name, default=None, description="", values=None, multi=None, when=None, **kwargs):
    REC.variants[name] = {
        "default": default,
        "description": description,
        "values": values,
        "multi": multi,
        "when": REC.when(when),
    }


def depends_on(spec, when=None, type=None, **kwargs):
    REC.depends.append({"spec": spec, "when": REC.when(when), "type": type})


def patch(name, when=None, **kwargs):
    REC.patches.append({"name": name, "when": REC.when(when)})


def conflicts(spec, when=None, msg=None):
    REC.conflicts.append({"spec": spec, "when": REC.when(when)})


@contextlib.contextmanager
def when(condition):
    REC.when_stack.append(condition)
    try:
        yield
    finally:
        REC.when_stack.pop()


def _noop_directive(*args, **kwargs):
    return None


def _hook(kind):
    """run_before / run_after: only marks the method with its phases (the configure check runs the marked ones)."""

    def directive(*phases, when=None):
        def mark(fn):
            setattr(fn, f"_run_{kind}", phases)
            fn._run_when = when
            return fn

        return mark

    return directive


run_before = _hook("before")
run_after = _hook("after")


# mkdirp may only create directories below this root (the temporary prefix of a configure check).
SANDBOX = None


def mkdirp(*paths, mode=None, **kwargs):
    for path in paths:
        real = os.path.realpath(path)
        if SANDBOX is None or not (real == SANDBOX or real.startswith(SANDBOX + os.sep)):
            raise RuntimeError(f"mkdirp({path!r}) outside the package prefix")
        os.makedirs(real, exist_ok=True)


class AutotoolsPackage:
    """Stand-in base class. with_or_without / enable_or_disable follow Spack v1.0's
    AutotoolsBuilder._activate_or_not for boolean variants; they read the declared variants
    from `self._declared_variants` and the spec from `self.spec` (both set by the checker)."""

    def with_or_without(self, name, activation_value=None, variant=None):
        return self._activate_or_not(name, "with", "without", activation_value, variant)

    def enable_or_disable(self, name, activation_value=None, variant=None):
        return self._activate_or_not(name, "enable", "disable", activation_value, variant)

    def _activate_or_not(self, name, activation_word, deactivation_word, activation_value=None, variant=None):
        spec = self.spec
        if activation_value == "prefix":
            activation_value = lambda dep: spec[dep].prefix  # noqa: E731 - as Spack does
        variant = variant or name
        declared = getattr(self, "_declared_variants", {})
        if variant not in declared:  # Spack raises the same KeyError
            raise KeyError(f'"{variant}" is not a variant of "{type(self).__name__.lower()}"')
        if variant not in spec.variants:  # a conditional variant whose condition is not met
            return []
        if not isinstance(declared[variant]["default"], bool) or declared[variant]["values"] is not None:
            raise NotImplementedError(f"the stub models boolean variants only, not {variant}")
        # A package may override the line with a method named e.g. with_or_without_<name>.
        override = getattr(self, f"{activation_word}_or_{deactivation_word}_{name}", None)
        activated = spec.satisfies(f"+{variant}")
        if override is not None:
            return [override(activated)]
        if not activated:
            return [f"--{deactivation_word}-{name}"]
        line = f"--{activation_word}-{name}"
        if activation_value is not None and activation_value(name):
            line = f"{line}={activation_value(name)}"
        return [line]


# The GNU release tarball gcc-15.2.0.tar.xz, as spack-packages records it.
GCC_15_2_0 = "438fd996826b0c82485a29da03a72d71d6e3541a83ec702df4271f6fe025d24e"


def install_stubs():
    spack = types.ModuleType("spack")
    pkg = types.ModuleType("spack.package")
    names = {
        "version": version,
        "variant": variant,
        "depends_on": depends_on,
        "patch": patch,
        "conflicts": conflicts,
        "when": when,
        "run_after": run_after,
        "run_before": run_before,
        "license": _noop_directive,
        "maintainers": _noop_directive,
        "provides": _noop_directive,
        "requires": _noop_directive,
        "resource": _noop_directive,
        "any": any,
        "Executable": _Any,
        "filter_file": _Any(),
        "find": _Any(),
        "make": _Any(),
        "mkdirp": mkdirp,
        "tty": _Any(),
        "InstallError": Exception,
    }
    for key, value in names.items():
        setattr(pkg, key, value)
    pkg.__all__ = list(names)
    spack.package = pkg
    sys.modules["spack"] = spack
    sys.modules["spack.package"] = pkg
    for name in ("spack_repo", "spack_repo.builtin", "spack_repo.builtin.build_systems"):
        sys.modules[name] = types.ModuleType(name)
    autotools = types.ModuleType("spack_repo.builtin.build_systems.autotools")
    autotools.AutotoolsPackage = AutotoolsPackage
    sys.modules["spack_repo.builtin.build_systems.autotools"] = autotools
    # Packages that extend a builtin one import it; the stand-in base records nothing of its own.
    for name in ("spack_repo.builtin.packages", "spack_repo.builtin.packages.gcc"):
        sys.modules[name] = types.ModuleType(name)
    builtin_gcc = types.ModuleType("spack_repo.builtin.packages.gcc.package")
    builtin_gcc.Gcc = type("Gcc", (AutotoolsPackage,), {})
    sys.modules["spack_repo.builtin.packages.gcc.package"] = builtin_gcc


def load_package(path):
    global REC
    REC = Recorder()
    # directives bound at stub creation time call module-level REC through globals()
    spec = importlib.util.spec_from_file_location(f"checked_{os.path.basename(os.path.dirname(path))}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module, REC


def class_name(pkg_name):
    return "".join(part.capitalize() for part in re.split(r"[-_]", pkg_name))


def read_repo_yaml(path):
    """Minimal reader for the two keys we need (no PyYAML on a bare runner)."""
    values = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"^\s+(namespace|api):\s*['\"]?([^'\"\s#]+)", line)
            if m:
                values[m.group(1)] = m.group(2)
    return values


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("repo_root", help="the spack-repo directory")
    parser.add_argument("--releases", required=True, help="JSON list of Slurm releases")
    parser.add_argument("--variants", required=True, help="JSON list of Slurm variant names")
    args = parser.parse_args(argv)

    failures = []

    def check(name, ok, detail=""):
        if not ok:
            failures.append(f"FAIL {name}: {detail}")
        return ok

    repo = os.path.join(args.repo_root, "spack_repo", "slurm_factory")
    yaml_path = os.path.join(repo, "repo.yaml")
    if not check("layout", os.path.isfile(yaml_path), f"{yaml_path} missing"):
        print("\n".join(failures))
        return 1
    meta = read_repo_yaml(yaml_path)
    check("namespace", meta.get("namespace") == "slurm_factory", f"namespace is {meta.get('namespace')!r}")
    api = re.match(r"^v(\d+)\.(\d+)$", meta.get("api", ""))
    check("api", bool(api) and (int(api.group(1)), int(api.group(2))) >= (2, 0), f"api is {meta.get('api')!r}")

    pkgs_dir = os.path.join(repo, "packages")
    names = sorted(os.listdir(pkgs_dir)) if os.path.isdir(pkgs_dir) else []
    check("layout", {"slurm", "curl"} <= set(names), f"packages are {names}")

    install_stubs()
    recorded = {}
    for name in names:
        path = os.path.join(pkgs_dir, name, "package.py")
        if not check("layout", os.path.isfile(path), f"{path} missing"):
            continue
        check("package-name", re.match(r"^[a-z0-9_]+$", name) is not None, f"{name} is not a v2 package directory")
        try:
            module, rec = load_package(path)
        except Exception as e:  # noqa: BLE001 - any failure to execute the recipe is a finding
            check("load", False, f"{name}: {type(e).__name__}: {e}")
            continue
        cls = getattr(module, class_name(name), None)
        check("class", isinstance(cls, type) and issubclass(cls, AutotoolsPackage), f"{name}: no AutotoolsPackage {class_name(name)}")
        recorded[name] = (module, cls, rec)
        for v in rec.versions:
            check("sha256", bool(v["sha256"]) and SHA256.match(v["sha256"]) is not None, f"{name}@{v['version']}: {v['sha256']!r}")
        shas = [v["sha256"] for v in rec.versions]
        check("sha256", len(shas) == len(set(shas)), f"{name}: a checksum is used twice")
        for vname, var in rec.variants.items():
            check("description", bool(var["description"] and var["description"].strip()), f"{name} variant {vname}")
        for p in rec.patches:
            check("patch", os.path.isfile(os.path.join(pkgs_dir, name, p["name"])), f"{name}: {p['name']} missing")

    if "slurm" in recorded:
        check_slurm(recorded["slurm"], json.loads(args.releases), json.loads(args.variants), check)
    if "slurm" in recorded and isinstance(recorded["slurm"][1], type):
        check_slurm_configure(recorded["slurm"], os.path.join(pkgs_dir, "slurm"), check)
    if "curl" in recorded:
        check_curl(recorded["curl"], check)
    if "gcc" in recorded:
        gcc_versions = {v["version"]: v["sha256"] for v in recorded["gcc"][2].versions}
        check("gcc", gcc_versions.get("15.2.0") == GCC_15_2_0, f"gcc@15.2.0 has sha256 {gcc_versions.get('15.2.0')!r}")

    if failures:
        print("\n".join(failures))
        return 1
    print(f"OK {len(recorded)} packages: " + ", ".join(f"{n} ({len(r[2].versions)} versions)" for n, r in recorded.items()))
    return 0


def check_slurm(recorded, releases, variant_names, check):
    module, cls, rec = recorded
    versions = [v["version"] for v in rec.versions]
    check("versions", versions == releases, f"slurm versions {versions} != catalog {releases}")
    for v in rec.versions:
        url = v.get("url")
        if not check("url", bool(url), f"slurm@{v['version']} has no url of its own"):
            continue
        m_github = GITHUB.match(url)
        if m_github:
            check("url", ".".join(m_github.groups()) == v["version"], f"slurm@{v['version']}: {url}")
        else:
            check("url", False, f"slurm@{v['version']}: {url} is not GitHub's archive of a SchedMD release tag (its checksum could not be remade from git)")
    by_version = {v["version"]: v for v in rec.versions}
    if "24.11.5" in by_version:
        v = by_version["24.11.5"]
        check("url", str(v.get("url", "")).endswith("/slurm-24-11-5-1.tar.gz"), "24.11.5 must be the GitHub .tar.gz archive")
        check("sha256", v["sha256"] == "e1a5547edd212c38b5e3230a284133f777b32746551f094aaa81cc4af375e332", "24.11.5")

    check("variants", sorted(rec.variants) == sorted(variant_names), f"slurm variants {sorted(rec.variants)} != catalog {sorted(variant_names)}")
    defaults = {"rest": True, "pmix": True, "hwloc": True, "ucx": True}
    for off in ("nvml", "rsmi", "cgroup", "pam", "readline", "hdf5", "gtk", "mariadb"):
        defaults[off] = False
    for vname, expected in defaults.items():
        if vname in rec.variants:
            check("defaults", rec.variants[vname]["default"] is expected, f"slurm variant {vname} default {rec.variants[vname]['default']!r}, want {expected}")
    if "sysconfdir" in rec.variants:
        check("defaults", rec.variants["sysconfdir"]["default"] == "PREFIX/etc", "slurm sysconfdir default")

    deps = rec.depends

    def has_dep(pattern, when_pattern=None):
        for d in deps:
            if re.search(pattern, d["spec"]) and (when_pattern is None or re.search(when_pattern, d["when"] or "")):
                return True
        return False

    for always in ("munge", "json-c", "lz4"):
        check("depends", has_dep(rf"^{re.escape(always)}(@|$)"), f"slurm must depend on {always}")
    for unused in ("openssl", "zlib-api", "zlib"):
        check("depends", not has_dep(rf"^{unused}(@|$|\s)"), f"slurm must not depend on {unused}: no series' configure or sources use it")
    check("depends", any(d["spec"] == "pkgconfig" and d["type"] == "build" for d in deps), "pkgconfig (build)")
    check("depends", has_dep(r"^curl\+ldap\+libssh2 tls=openssl$", r"\+rest"), "curl+ldap+libssh2 tls=openssl when +rest")
    for name in ("http-parser", "libyaml", "libjwt"):
        check("depends", has_dep(rf"^{name}(@|$)", r"\+rest"), f"{name} when +rest")
    check("depends", has_dep(r"^libjwt@:2$", r"\+rest"), "libjwt@:2 when +rest (x_ac_jwt.m4 wants libjwt's 1.x/2.x API)")
    check("depends", has_dep(r"^glib$", r"\+gtk") and not has_dep(r"^glib$", r"^$"), "glib when +gtk only (x_ac_sview.m4)")
    check("depends", has_dep(r"^gtkplus@2$", r"\+gtk"), "gtkplus@2 when +gtk (x_ac_sview.m4 runs AM_PATH_GTK_2_0)")
    check_pmix_bounds(rec, check)
    check("depends", has_dep(r"^ucx(@|$)", r"\+ucx"), "ucx when +ucx")
    check("depends", has_dep(r"^hwloc(@|$)", r"\+hwloc"), "hwloc when +hwloc")
    check("patch", any(p["name"] == "relocatable-plugin-dir.patch" for p in rec.patches), "relocatable-plugin-dir.patch")
    for method in ("configure_args", "install", "relocatable_runpaths", "relocatable_text_files"):
        check("methods", callable(getattr(cls, method, None)), f"slurm has no {method}()")


# PMIx majors Slurm's auxdir/x_ac_pmix.m4 accepts: 2 to 5, and 6 since 25.05.2 (SchedMD 6028af2cf7).
PMIX_6_SINCE = "25.05.2"


def check_pmix_bounds(rec, check):
    """For every release, the one pmix dependency that applies with +pmix is the range its
    configure accepts."""
    for v in rec.versions:
        version = v["version"]
        want = "pmix@2:6" if version_key(version) >= version_key(PMIX_6_SINCE) else "pmix@2:5"
        got = []
        for d in rec.depends:
            if not d["spec"].startswith("pmix"):
                continue
            tokens = (d["when"] or "").split()
            if "+pmix" not in tokens:
                continue
            ranges = [t for t in tokens if t.startswith("@")]
            if all(in_version_range(version, r) for r in ranges):
                got.append(d["spec"])
        check("depends", got == [want], f"slurm@{version} +pmix depends on {got or 'no pmix'}, want [{want!r}] (x_ac_pmix.m4)")


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
        # configure checks `test -d` on directories inside the prefix: record which exist now.
        result = Args(a for a in args)
        result.prefix = prefix
        result.missing_dirs = [a for a in args if isinstance(a, str) and _inside_missing(a, prefix)]
        return result
    finally:
        SANDBOX = None
        shutil.rmtree(tmp, ignore_errors=True)


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


def check_curl(recorded, check):
    module, cls, rec = recorded
    versions = [v["version"] for v in rec.versions]
    check("versions", "7.88.1" in versions, "curl must keep 7.88.1 (the distribution libcurl used as an external)")
    for v in rec.versions:
        url = v.get("url") or getattr(cls, "url", "")
        check("url", CURL.match(url) is not None, f"curl@{v['version']}: {url}")
    for name in ("ldap", "libssh2", "librtmp", "nghttp2", "gssapi", "libidn2", "tls", "libs"):
        check("variants", name in rec.variants, f"curl variant {name} missing")
    if "tls" in rec.variants:
        check("defaults", rec.variants["tls"]["default"] == "openssl", "curl tls default")
    if "libs" in rec.variants:
        check("defaults", rec.variants["libs"]["default"] == "shared,static", "curl libs default")
    check("depends", any(d["spec"].startswith("openssl@3:") and "tls=openssl" in (d["when"] or "") for d in rec.depends), "openssl@3: when tls=openssl")
    for var, dep in (("ldap", "openldap"), ("libssh2", "libssh2"), ("librtmp", "rtmpdump"), ("nghttp2", "nghttp2"), ("gssapi", "krb5"), ("libidn2", "libidn2")):
        check("depends", any(d["spec"].split("@")[0] == dep and f"+{var}" in (d["when"] or "") for d in rec.depends), f"curl {dep} when +{var}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
