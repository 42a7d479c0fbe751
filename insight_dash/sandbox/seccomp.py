"""Layer 4: a seccomp-bpf filter loaded in the runner just before generated code runs.

Needs Linux >= 3.17 with CONFIG_SECCOMP_FILTER (Fargate platform 1.4 kernels have it; Docker's
default profile allows `seccomp(2)` and `prctl(PR_SET_NO_NEW_PRIVS)`, which need no root) and
libseccomp2. Everything not listed is allowed; what is listed fails with EPERM (ENOSYS for
clone3, so glibc falls back to clone and threads still start).
"""
from __future__ import annotations

import errno
import os

# Imported with the module, so the zygote loads libseccomp once and runners fork with it.
try:
    import pyseccomp as sc
except (ImportError, OSError) as exc:  # OSError: libseccomp.so.2 missing
    sc, _UNAVAILABLE = None, f"libseccomp is not available: {exc}"

CLONE_THREAD = 0x00010000
WRITE_FLAGS = (os.O_WRONLY, os.O_RDWR, os.O_CREAT, os.O_TRUNC, os.O_APPEND)

DENIED = (
    # network: no sockets at all (the ECS credentials endpoint, S3, the database, the internet)
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
    # other programs and processes
    "execve", "execveat", "fork", "vfork", "ptrace", "process_vm_readv", "process_vm_writev",
    "tkill", "pidfd_open", "pidfd_send_signal", "pidfd_getfd",
    # changing the file system
    "creat", "truncate", "unlink", "unlinkat", "rename", "renameat", "renameat2", "mkdir", "mkdirat",
    "rmdir", "link", "linkat", "symlink", "symlinkat", "chmod", "fchmodat", "chown", "lchown",
    "fchownat", "mknod", "mknodat",
    # the machine and the namespace
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "reboot", "swapon", "swapoff",
    "init_module", "finit_module", "delete_module", "kexec_load", "bpf", "perf_event_open",
    "userfaultfd", "keyctl", "add_key", "request_key", "open_by_handle_at", "name_to_handle_at",
    "io_uring_setup", "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid",
)


class SeccompUnavailable(RuntimeError):
    pass


def load_filter() -> None:
    """Install the filter in this process; irreversible. Raises SeccompUnavailable."""
    if sc is None:
        raise SeccompUnavailable(_UNAVAILABLE)
    try:
        rules = sc.SyscallFilter(defaction=sc.ALLOW)
        deny = sc.ERRNO(errno.EPERM)
        for name in DENIED:
            _add(rules, deny, name)
        _add(rules, sc.ERRNO(errno.ENOSYS), "clone3")
        _add(rules, sc.ERRNO(errno.ENOSYS), "openat2")
        # clone is fine for threads (CLONE_THREAD set) and nothing else.
        rules.add_rule(deny, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))
        for flag in WRITE_FLAGS:
            rules.add_rule(deny, "open", sc.Arg(1, sc.MASKED_EQ, flag, flag))
            rules.add_rule(deny, "openat", sc.Arg(2, sc.MASKED_EQ, flag, flag))
        # Signals only to itself.
        pid = os.getpid()
        rules.add_rule(deny, "kill", sc.Arg(0, sc.NE, pid))
        rules.add_rule(deny, "tgkill", sc.Arg(0, sc.NE, pid))
        rules.load()  # sets PR_SET_NO_NEW_PRIVS first, so no root is needed
    except Exception as exc:  # libseccomp reports failures as assorted OSError/RuntimeError
        raise SeccompUnavailable(f"the seccomp filter could not be loaded: {exc}") from exc


def _add(rules, action, name: str) -> None:
    try:
        rules.add_rule(action, name)
    except Exception:  # a syscall this architecture does not have (e.g. no "open" on arm64)
        pass
