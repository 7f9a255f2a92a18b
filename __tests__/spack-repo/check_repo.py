#!/usr/bin/env python3
"""Check the project's Spack package repository without Spack.

Each package.py is executed by real Python against stub `spack.package` and
`spack_repo.builtin.build_systems.autotools` modules whose directives record what they are
given. The recorded versions, variants, dependencies and patches are then checked. The slurm
recipe's run_before("configure") hooks and configure_args() are then run for real against a fake
spec (configure_check.py) and the configure arguments are checked against what each series'
configure recognises.

usage: check_repo.py REPO_ROOT --releases JSON_LIST --variants JSON_LIST

Prints one `FAIL <check>: <detail>` line per failed check (exit status 1), or `OK ...`.
"""

import argparse
import contextlib
import importlib.util
import json
import os
import re
import sys
import types

sys.dont_write_bytecode = True  # leave no __pycache__ in the repository
# The configure check (fake spec, configure_args() run per series against configure-options/) lives beside this file.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from configure_check import check_slurm_configure, in_version_range, mkdirp, version_key  # noqa: E402

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
    check("patch", any(p["name"] == "relocatable-paths.patch" for p in rec.patches), "relocatable-paths.patch")
    for method in ("configure_args", "install", "resolved_paths", "record_resolved_paths", "relocatable_runpaths", "relocatable_text_files"):
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
