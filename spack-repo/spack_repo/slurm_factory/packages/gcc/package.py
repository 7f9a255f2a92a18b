# GCC as Spack's builtin package defines it, plus the releases newer than the builtin repository that Spack v1.0
# is released with (spack-packages v2025.07.0 stops at 15.1.0). The checksum is the one spack-packages records for
# the GNU release tarball.
from spack_repo.builtin.packages.gcc.package import Gcc as BuiltinGcc

from spack.package import *


class Gcc(BuiltinGcc):
    """The GNU Compiler Collection, with every release from 7.5.0 to 15.2.0 buildable."""

    version("15.2.0", sha256="438fd996826b0c82485a29da03a72d71d6e3541a83ec702df4271f6fe025d24e")
