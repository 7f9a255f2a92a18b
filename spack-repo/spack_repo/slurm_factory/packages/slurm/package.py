# slurm-factory-action: Slurm recipe for relocatable, production builds.
#
# Differences from the builtin recipe: dotted versions (slurm@25.11 picks the newest 25.11
# release) with one URL per checksum, production variant defaults, version bounds checked
# against Slurm's configure, a plugin directory found at run time, and $ORIGIN-relative
# RUNPATHs so the installed tree can be moved as a whole.

import os
import re

from spack_repo.builtin.build_systems.autotools import AutotoolsPackage

from spack.package import *

SCHEDMD_URL = "https://download.schedmd.com/slurm/slurm-{0}.tar.bz2"
GITHUB_URL = "https://github.com/SchedMD/slurm/archive/slurm-{0}-1.tar.gz"


def _github(version):
    return GITHUB_URL.format(version.replace(".", "-"))


def _schedmd(version):
    return SCHEDMD_URL.format(version)


class Slurm(AutotoolsPackage):
    """Slurm is an open source, fault-tolerant and highly scalable cluster management and job
    scheduling system for Linux clusters. This recipe builds a relocatable installation: the
    whole prefix may be moved, and programs still find their libraries and plugins."""

    homepage = "https://slurm.schedmd.com"
    url = "https://download.schedmd.com/slurm/slurm-25.11.6.tar.bz2"

    license("GPL-2.0-or-later")

    # Each checksum belongs to exactly one archive, so every version names its own URL:
    # SchedMD's release tarballs (.tar.bz2) or GitHub's tag archives (.tar.gz). Spack's
    # source mirror stores archives by sha256 plus the URL's extension, so the extension
    # must stay that of the archive the checksum was taken from.
    version(
        "26.05.1",
        sha256="432362d3ced66476a8edb61b6c06b6f0c0c1b3bbbf40589fae94de0664c803b5",
        url=_github("26.05.1"),
    )
    version(
        "26.05.0",
        sha256="767f0f7f9bc0fb61bb3f67e27882ec190d1ba5a9b2814b7177388e5793c0dae6",
        url=_schedmd("26.05.0"),
    )
    version(
        "25.11.6",
        sha256="6695aee51a36799917a4db4b1d787610af926b27b17c2e4246bf14c0fd029664",
        url=_schedmd("25.11.6"),
    )
    version(
        "25.05.8",
        sha256="3f77fa80fdcec1e8a47f146bf0b34a6a6c2435f13dad26aea758a7a0f8c82954",
        url=_github("25.05.8"),
    )
    version(
        "24.11.6",
        sha256="0614760306dfbd67eb76a31ed7a49e853fe3cdb48ca28ccdbe699c2e0db05a16",
        url=_schedmd("24.11.6"),
    )
    version(
        "24.11.5",
        sha256="e1a5547edd212c38b5e3230a284133f777b32746551f094aaa81cc4af375e332",
        url=_github("24.11.5"),
    )
    version(
        "23.11.11",
        sha256="4a1713dceb5bfad74d3f43c9bfedf23603933f0d7148cdad7feedea57da4e45d",
        url=_schedmd("23.11.11"),
    )

    # Production defaults: REST API, PMIx, hwloc and UCX on; the rest needs site hardware
    # or services and stays off.
    variant("rest", default=True, description="Build slurmrestd, the REST API daemon")
    variant("pmix", default=True, description="Build the PMIx MPI plugin (mpi/pmix)")
    variant("hwloc", default=True, description="Use hwloc for node topology")
    variant("ucx", default=True, description="Use UCX for PMIx direct connections")
    variant("nvml", default=False, description="NVIDIA GPU autodetection through NVML (CUDA)")
    variant("rsmi", default=False, description="AMD GPU autodetection through ROCm SMI")
    variant("cgroup", default=False, description="Build the cgroup/v2 plugin (needs dbus)")
    variant("pam", default=False, description="Build the PAM module (pam_slurm_adopt)")
    variant("readline", default=False, description="Use readline in interactive commands")
    variant("hdf5", default=False, description="Build the HDF5 job profiling plugin")
    variant("gtk", default=False, description="Build sview, the GTK+ graphical client")
    variant("mariadb", default=False, description="Build accounting storage for MariaDB/MySQL")
    variant(
        "sysconfdir",
        default="PREFIX/etc",
        values=any,
        description="Directory holding slurm.conf (PREFIX/etc means <prefix>/etc)",
    )

    # Every path inside the prefix that Slurm compiles in (plugin directory, default
    # slurm.conf, slurmstepd, srun for PMI-2 spawn) is found at run time from the tree the code
    # was loaded from (see README.md). check-patch.sh checks it against every listed release.
    patch("relocatable-paths.patch", when="@23.11:")

    depends_on("c", type="build")
    depends_on("pkgconfig", type="build")

    depends_on("munge")
    depends_on("json-c")
    depends_on("lz4")
    depends_on("openssl@3:")
    depends_on("zlib-api")
    depends_on("glib")

    with when("+rest"):
        # libcurl serves slurmrestd-related and profiling plugins; 24.11.5's configure
        # (LIBCURL_CHECK_CONFIG in configure.ac) asks for no minimum version.
        depends_on("curl+ldap+libssh2 tls=openssl")
        depends_on("http-parser")
        depends_on("libyaml")
        # auxdir/x_ac_jwt.m4 (24.11.5) probes jwt_add_header() from libjwt's 1.x API,
        # which libjwt 3 dropped.
        depends_on("libjwt@:2")

    # auxdir/x_ac_pmix.m4 in 24.11.5 recognises PMIx v2, v3, v4 and v5 (by
    # PMIX_VERSION_MAJOR) and rejects anything else, so v6 is excluded. A bound of @5: would
    # reject Debian 12's PMIx 4.2.2, which configure accepts.
    depends_on("pmix@2:5", when="+pmix")
    # auxdir/x_ac_ucx.m4 and x_ac_hwloc.m4 check headers and symbols only, no versions.
    depends_on("ucx", when="+ucx")
    depends_on("hwloc", when="+hwloc")
    depends_on("cuda", when="+nvml")
    depends_on("rocm-smi-lib", when="+rsmi")
    depends_on("dbus", when="+cgroup")
    depends_on("linux-pam", when="+pam")
    depends_on("readline", when="+readline")
    depends_on("hdf5", when="+hdf5")
    depends_on("gtkplus", when="+gtk")
    depends_on("mariadb", when="+mariadb")

    executables = ["^srun$", "^salloc$"]

    @classmethod
    def determine_version(cls, exe):
        output = Executable(exe)("--version", output=str).rstrip()
        match = re.search(r"slurm(?:-wlm)?\s*([0-9.]+)", output)
        return match.group(1) if match else None

    def url_for_version(self, version):
        # Versions listed above carry their own URL; this covers versions given on the
        # command line (spack checksum / versions) with SchedMD's layout.
        return _schedmd(str(version))

    def configure_args(self):
        spec = self.spec
        args = [
            f"--with-munge={spec['munge'].prefix}",
            f"--with-json={spec['json-c'].prefix}",
            f"--with-lz4={spec['lz4'].prefix}",
            f"--with-ssl={spec['openssl'].prefix}",
            f"--with-zlib={spec['zlib-api'].prefix}",
        ]

        args += self.enable_or_disable("slurmrestd", variant="rest")
        if spec.satisfies("+rest"):
            args += [
                f"--with-libcurl={spec['curl'].prefix}",
                f"--with-http-parser={spec['http-parser'].prefix}",
                f"--with-yaml={spec['libyaml'].prefix}",
                f"--with-jwt={spec['libjwt'].prefix}",
            ]
        else:
            args += ["--without-libcurl", "--without-http-parser", "--without-jwt"]

        args += self.with_or_without("pmix", activation_value="prefix")
        args += self.with_or_without("ucx", activation_value="prefix")
        args += self.with_or_without("hwloc", activation_value="prefix")
        args += self.with_or_without(
            "nvml", activation_value=lambda _: spec["cuda"].prefix
        )
        args += self.with_or_without("rsmi", activation_value=lambda _: spec["rocm-smi-lib"].prefix)
        args += self.enable_or_disable("cgroupv2", variant="cgroup")
        args += self.enable_or_disable("pam")
        if spec.satisfies("+pam"):
            args.append(f"--with-pam_dir={spec.prefix.lib.security}")
        args += self.with_or_without("readline")
        args += self.with_or_without(
            "hdf5", activation_value=lambda _: spec["hdf5"].prefix.bin.h5cc
        )
        args += self.enable_or_disable("sview", variant="gtk")
        if spec.satisfies("~gtk"):
            args.append("--disable-gtktest")
        args += self.with_or_without(
            "mysql_config", variant="mariadb", activation_value=lambda _: spec["mariadb"].prefix.bin
        )

        sysconfdir = spec.variants["sysconfdir"].value
        if sysconfdir != "PREFIX/etc":
            args.append(f"--sysconfdir={sysconfdir}")

        return args

    @run_before("configure")
    def pam_dir(self):
        # configure takes --with-pam_dir only when the directory already exists.
        if self.spec.satisfies("+pam"):
            mkdirp(self.prefix.lib.security)

    def install(self, spec, prefix):
        make("install")
        make("-C", "contribs/pmi2", "install")
        if spec.satisfies("+pam"):
            make("-C", "contribs/pam_slurm_adopt", "install")

    def _elf_files(self):
        prefix = self.prefix
        for top in ("bin", "sbin", "lib", "lib64", "libexec"):
            root = os.path.join(prefix, top)
            for dirpath, _dirs, files in os.walk(root):
                for name in files:
                    path = os.path.join(dirpath, name)
                    if os.path.islink(path) or not os.path.isfile(path):
                        continue
                    with open(path, "rb") as f:
                        if f.read(4) != b"\x7fELF":
                            continue
                    yield path

    # ---- relocatability ------------------------------------------------------------------

    #: Where the list of run-time resolved paths is written, relative to the prefix.
    RESOLVED_PATHS_FILE = "share/slurm-factory/resolved-paths.json"

    def resolved_paths(self):
        """Paths inside the prefix that the build compiles into programs and libraries and
        that relocatable-paths.patch resolves at run time from the loaded tree: the prefix
        itself ("."; the patch compares against it), the plugin directory, slurmstepd, srun,
        and the default slurm.conf when sysconfdir is the prefix's etc/ (a sysconfdir outside
        the prefix stays as given)."""
        paths = [".", "bin/srun", "lib/slurm", "sbin/slurmstepd"]
        if self.spec.variants["sysconfdir"].value == "PREFIX/etc":
            paths.append("etc/slurm.conf")
        return sorted(paths)

    @run_after("install")
    def record_resolved_paths(self):
        """Record resolved_paths() in the prefix: the action's relocation audit reads it, and
        the artifact's manifest.json carries it, so users can read which paths follow the
        tree."""
        import json

        path = os.path.join(self.prefix, self.RESOLVED_PATHS_FILE)
        mkdirp(os.path.dirname(path))
        with open(path, "w") as f:
            json.dump(
                {"resolvedAtRunTime": self.resolved_paths(), "by": "relocatable-paths.patch"},
                f,
                indent=2,
                sort_keys=True,
            )
            f.write("\n")

    @run_after("install")
    def relocatable_runpaths(self):
        """Make every ELF file's search path find this tree relative to $ORIGIN (RUNPATH).

        Entries inside the prefix become $ORIGIN-relative, $ORIGIN entries for lib/ and
        lib/slurm/ come first, entries outside the prefix (dependencies) are kept, and a
        DT_RPATH tag becomes DT_RUNPATH (the effect of linking with --enable-new-dtags; Spack's
        compiler wrapper picks the dtags flag from config:shared_linking:type). The string
        table is edited in place; the new search path is never longer than the old one, as it
        replaces long absolute prefixes."""
        import struct

        import spack.util.elf as elf_util

        prefix = os.path.realpath(self.prefix)
        prefixes = {str(self.prefix).rstrip(os.sep), prefix}
        own_dirs = ["lib", "lib/slurm"]
        for path in self._elf_files():
            here = os.path.dirname(os.path.realpath(path))

            def origin(inside, here=here):
                rel = os.path.relpath(os.path.join(prefix, inside), here)
                return "$ORIGIN" if rel == "." else "$ORIGIN/" + rel

            with open(path, "rb+") as f:
                try:
                    elf = elf_util.parse_elf(f, dynamic_section=True)
                except elf_util.ElfParsingError:
                    continue
                if not elf.has_rpath:
                    continue
                old = elf.dt_rpath_str
                entries = []
                for d in own_dirs:
                    entries.append(origin(d))
                for entry in old.decode().split(":"):
                    if not entry:
                        continue
                    norm = os.path.normpath(entry)
                    for p in prefixes:
                        if norm == p or norm.startswith(p + os.sep):
                            inside = os.path.relpath(norm, p)
                            entry = origin(inside)
                            break
                    if entry not in entries:
                        entries.append(entry)
                new = ":".join(entries).encode()
                action = elf_util.UpdateCStringAction(
                    old_value=old,
                    new_value=new,
                    offset=elf.pt_dynamic_strtab_offset + elf.rpath_strtab_offset,
                )
                if action.inplace:
                    action.apply(f)
                else:
                    tty.warn(f"{path}: search path kept, no room for {new.decode()}")
                if not elf.is_runpath:
                    f.seek(elf.dt_rpath_offset)
                    fmt = elf.byte_order + ("q" if elf.is_64_bit else "l")
                    f.write(struct.pack(fmt, elf_util.ELF_CONSTANTS.DT_RUNPATH))

    @run_after("install")
    def relocatable_text_files(self):
        """Leave no build-tree path in installed text files, and make slurm.pc relative."""
        stage = os.path.realpath(self.stage.path)
        text = []
        for dirpath, _dirs, files in os.walk(self.prefix):
            for name in files:
                path = os.path.join(dirpath, name)
                if os.path.islink(path) or not os.path.isfile(path):
                    continue
                if name.endswith((".la", ".pc", ".sh", ".pl", ".py")) or dirpath.endswith(
                    "bin"
                ):
                    with open(path, "rb") as f:
                        head = f.read(4)
                    if head != b"\x7fELF":
                        text.append(path)
        for path in text:
            filter_file(re.escape(stage) + r"[^\s'\"]*", "", path, ignore_absent=True, backup=False)
        for pc in find(self.prefix, "*.pc"):
            depth = os.path.relpath(self.prefix, os.path.dirname(pc))
            filter_file(
                r"^prefix=.*$", "prefix=${pcfiledir}/" + depth, pc, backup=False
            )
