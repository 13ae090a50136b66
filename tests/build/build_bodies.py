"""POST /build bodies for the build tests (the nested one follows build.md §5.1's example)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

SAMPLE_LOG = Path(__file__).resolve().parents[3] / "shared/samples/logs/build_log_0.log"
COMMIT = "f5427c2460ebc11b1a66c1742d41077ae5b99796"
GCC = "aarch64-linux-gnu-gcc (Debian 8.3.0-2) 8.3.0"
UNAME = ["Linux", "3ddfd7c7bfde", "4.19.0-12-amd64", "#1 SMP Debian 4.19.152-1 (2020-10-18)", "x86_64", ""]
CPU = "Intel Core Processor (Skylake, IBRS)"

_NESTED = {
    "bmeta": {
        "build": {"duration": 315.772096157074, "status": "PASS"},
        "environment": {
            "arch": "arm64", "compiler": "gcc", "compiler_version": "8", "compiler_version_full": GCC,
            "cross_compile": "aarch64-linux-gnu-", "name": "gcc-8", "platform": {"uname": UNAME},
        },
        "kernel": {
            "defconfig": "defconfig", "defconfig_full": "defconfig+kselftest", "publish_path": "",
            "text_offset": "0x10000000", "vmlinux_bss_size": 11538800, "vmlinux_data_size": 4667528,
            "vmlinux_file_size": 573708760, "vmlinux_text_size": 19608792,
        },
        "revision": {
            "branch": "master", "commit": COMMIT, "describe": "next-20210304",
            "describe_verbose": "v5.12-rc1-1897-gf5427c2460eb", "tree": "next",
            "url": "https://git.kernel.org/pub/scm/linux/kernel/git/next/linux-next.git",
        },
    },
    "steps": [{"name": "revision", "status": "PASS", "cpus": {CPU: 3}},
              {"name": "kernel", "status": "PASS", "log_file": "kernel.log"}],
    "artifacts": {
        "config": [{"key": "config", "path": "config/kernel.config", "type": "file"},
                   {"key": "fragment", "path": "config/kernelci.config", "type": "file"},
                   {"key": "log", "path": "logs/config.log", "type": "file"}],
        "dtbs": [{"path": "dtbs", "type": "directory",
                  "contents": ["actions/s700-cubieboard7.dtb", "xilinx/zynqmp-zcu111-revA.dtb"]}],
        "kernel": [{"key": "system_map", "path": "kernel/System.map", "type": "file"},
                   {"key": "image", "path": "kernel/Image", "type": "file"},
                   {"key": "log", "path": "logs/kernel.log", "type": "file"}],
        "modules": [{"path": "modules.tar.xz", "type": "tarball", "contents": ["act_bpf.ko"]},
                    {"key": "log", "path": "logs/modules.log", "type": "file"}],
    },
}


def publish_path(tree: str, describe: str, branch: str = "master", arch: str = "arm64",
                 defconfig_full: str = "defconfig+kselftest", environment: str = "gcc-8") -> str:
    return f"{tree}/{branch}/{describe}/{arch}/{defconfig_full}/{environment}"


def nested_body(tree: str, describe: str = "next-20210304", *, branch: str = "master", arch: str = "arm64",
                defconfig_full: str = "defconfig+kselftest", environment: str = "gcc-8",
                with_modules_log: bool = True) -> dict[str, Any]:
    body = copy.deepcopy(_NESTED)
    bmeta = body["bmeta"]
    bmeta["revision"].update(tree=tree, describe=describe, branch=branch)
    bmeta["environment"].update(arch=arch, name=environment)
    bmeta["kernel"].update(defconfig_full=defconfig_full,
                           publish_path=publish_path(tree, describe, branch, arch, defconfig_full, environment))
    if not with_modules_log:
        body["artifacts"]["modules"] = body["artifacts"]["modules"][:1]
    return body


def flat_body(job: str, kernel: str = "next-20140706", **extra: Any) -> dict[str, Any]:
    return {"job": job, "kernel": kernel, "defconfig": "tinyconfig", "arch": "x86", "git_branch": "master",
            **extra}


def put_file(root: Path, relative: str, content: bytes | str = b"x") -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path
