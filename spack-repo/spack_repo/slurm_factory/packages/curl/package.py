# slurm-factory-action: libcurl recipe as Slurm's REST and profiling plugins need it.
#
# Differences from the builtin recipe: a single TLS backend with OpenSSL 3 by default, every
# optional protocol library as an explicit variant (so a distribution's libcurl can be
# declared as an external with exactly its features), and 7.88.1 listed as a regular version
# because it is Debian 12's libcurl, which the project uses as an external.
#
# Checksums are those of spack-packages v2025.07.0's builtin curl recipe
# (repos/spack_repo/builtin/packages/curl/package.py), for the .tar.bz2 release archives.

from spack_repo.builtin.build_systems.autotools import AutotoolsPackage

from spack.package import *


class Curl(AutotoolsPackage):
    """cURL is a command line tool and library (libcurl) for transferring data with URLs."""

    homepage = "https://curl.se/"
    url = "https://curl.se/download/curl-8.11.1.tar.bz2"

    license("curl")

    executables = ["^curl$"]

    version("8.11.1", sha256="e9773ad1dfa21aedbfe8e1ef24c9478fa780b1b3d4f763c98dd04629b5e43485")
    version("7.88.1", sha256="8224b45cce12abde039c12dc0711b7ea85b104b9ad534d6e4c5b4e188a61c907")

    variant(
        "tls",
        default="openssl",
        values=("openssl", "gnutls", "mbedtls"),
        multi=False,
        description="TLS backend",
    )
    variant("ldap", default=True, description="LDAP and LDAPS support (OpenLDAP)")
    variant("libssh2", default=True, description="SCP and SFTP support through libssh2")
    variant("librtmp", default=False, description="RTMP support through librtmp (rtmpdump)")
    variant("nghttp2", default=True, description="HTTP/2 support through nghttp2")
    variant("gssapi", default=False, description="Kerberos (GSS-API) authentication (krb5)")
    variant("libidn2", default=False, description="International domain names through libidn2")
    variant(
        "libs",
        default="shared,static",
        values=("shared", "static"),
        multi=True,
        description="Build shared libraries, static libraries or both",
    )

    depends_on("c", type="build")
    depends_on("pkgconfig", type="build")

    depends_on("zlib-api")
    # Slurm links OpenSSL 3; one libcurl in the process must use the same OpenSSL.
    depends_on("openssl@3:", when="tls=openssl")
    depends_on("gnutls", when="tls=gnutls")
    depends_on("mbedtls@3: +pic", when="tls=mbedtls")

    depends_on("openldap", when="+ldap")
    depends_on("libssh2", when="+libssh2")
    depends_on("rtmpdump", when="+librtmp")
    depends_on("nghttp2", when="+nghttp2")
    depends_on("krb5", when="+gssapi")
    depends_on("libidn2", when="+libidn2")

    @classmethod
    def determine_version(cls, exe):
        import re

        output = Executable(exe)("--version", output=str, error=str)
        match = re.match(r"curl ([\d.]+)", output)
        return match.group(1) if match else None

    def configure_args(self):
        spec = self.spec
        args = [
            f"--with-zlib={spec['zlib-api'].prefix}",
            "--without-libpsl",
            "--without-brotli",
            "--without-zstd",
            "--without-libssh",
            "--without-ca-bundle",
            "--with-ca-fallback",
        ]
        # --with-openssl=<prefix> and --without-<other backends>
        args += self.with_or_without("tls", activation_value="prefix")
        args += self.enable_or_disable("ldap")
        args += self.enable_or_disable("ldaps", variant="ldap")
        args += self.with_or_without("libssh2", activation_value="prefix")
        args += self.with_or_without("librtmp", activation_value=lambda _: spec["rtmpdump"].prefix)
        args += self.with_or_without("nghttp2", activation_value="prefix")
        args += self.with_or_without("gssapi", activation_value=lambda _: spec["krb5"].prefix)
        args += self.with_or_without("libidn2", activation_value="prefix")
        args += self.enable_or_disable("libs")
        return args
