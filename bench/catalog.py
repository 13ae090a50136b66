"""The vocabulary of the generated data: trees, build matrix, labs, boards and test plans.

Names follow what KernelCI really stores (trees and branches, arch/defconfig
pairs, toolchains, LAVA labs and device types, test plans), so the value
distributions the planner sees — a few jobs, hundreds of boards, a long
tail of defconfigs — look like production rather than like `name-1..N`.
"""

from __future__ import annotations

# (job, branches, relative test load): mainline and next get most of the testing.
TREES: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("mainline", ("master",), 4),
    ("next", ("master", "pending-fixes"), 4),
    ("stable", ("linux-6.6.y", "linux-6.1.y", "linux-5.15.y"), 1),
    ("stable-rc", ("linux-6.6.y", "linux-6.1.y", "linux-5.15.y", "linux-5.10.y"), 2),
    ("arm-soc", ("for-next",), 1),
    ("net-next", ("main",), 1),
    ("media", ("master",), 1),
    ("kernelci", ("staging-mainline", "staging-next"), 1),
    ("cip", ("linux-5.10.y-cip", "linux-4.19.y-cip"), 1),
    ("chromiumos", ("chromeos-6.1",), 1),
)

GIT_URLS = {
    "mainline": "https://git.kernel.org/pub/scm/linux/kernel/git/torvalds/linux.git",
    "next": "https://git.kernel.org/pub/scm/linux/kernel/git/next/linux-next.git",
    "stable": "https://git.kernel.org/pub/scm/linux/kernel/git/stable/linux.git",
    "stable-rc": "https://git.kernel.org/pub/scm/linux/kernel/git/stable/linux-stable-rc.git",
}
DEFAULT_GIT_URL = "https://git.kernel.org/pub/scm/linux/kernel/git/{job}/linux.git"

# arch → (defconfigs, kernel image, cross-compile prefix)
ARCHES: dict[str, tuple[tuple[str, ...], str, str]] = {
    "arm": (("multi_v7_defconfig", "imx_v6_v7_defconfig", "omap2plus_defconfig", "exynos_defconfig",
             "multi_v5_defconfig", "vexpress_defconfig", "bcm2835_defconfig", "sunxi_defconfig",
             "davinci_all_defconfig", "tegra_defconfig", "mvebu_v7_defconfig", "qcom_defconfig",
             "shmobile_defconfig", "at91_dt_defconfig", "u8500_defconfig", "keystone_defconfig"),
            "zImage", "arm-linux-gnueabihf-"),
    "arm64": (("defconfig", "allmodconfig", "allnoconfig", "tinyconfig", "virtconfig"), "Image",
              "aarch64-linux-gnu-"),
    "x86_64": (("x86_64_defconfig", "allmodconfig", "allnoconfig", "tinyconfig", "x86_64_kvm_guest"),
               "bzImage", ""),
    "i386": (("i386_defconfig", "allnoconfig", "tinyconfig"), "bzImage", ""),
    "mips": (("32r2el_defconfig", "malta_defconfig", "ci20_defconfig", "ath79_defconfig"), "vmlinux",
             "mips-linux-gnu-"),
    "riscv": (("defconfig", "rv32_defconfig", "nommu_virt_defconfig"), "Image", "riscv64-linux-gnu-"),
}
# Config fragments turn one defconfig into several defconfig_full values.
FRAGMENTS = ("", "+CONFIG_CPU_BIG_ENDIAN=y", "+kselftest", "+CONFIG_SMP=n", "+debug", "+CONFIG_RANDOMIZE_BASE=y")

# build_environment → (compiler, version, version_full)
TOOLCHAINS: dict[str, tuple[str, str, str]] = {
    "gcc-10": ("gcc", "10.2.1", "gcc (Debian 10.2.1-6) 10.2.1 20210110"),
    "gcc-12": ("gcc", "12.2.0", "gcc (Debian 12.2.0-14) 12.2.0"),
    "clang-15": ("clang", "15.0.7", "Debian clang version 15.0.7"),
    "clang-17": ("clang", "17.0.6", "Debian clang version 17.0.6 (++20231208085846+6009708b4367-1~exp1)"),
}

LABS = ("lab-baylibre", "lab-collabora", "lab-broonie", "lab-cip", "lab-clabbe", "lab-kontron",
        "lab-linaro-lkft", "lab-nxp", "lab-theobroma-systems", "lab-mhart")

# arch → real device types; qemu devices are in every lab.
BOARDS: dict[str, tuple[str, ...]] = {
    "arm": ("beaglebone-black", "bcm2836-rpi-2-b", "imx6q-sabrelite", "odroid-xu3", "sun7i-a20-cubieboard2",
            "meson8b-odroidc1", "am57xx-beagle-x15", "tegra124-jetson-tk1", "rk3288-veyron-jaq",
            "imx6ul-pico-hobbit", "at91-sama5d4_xplained", "armada-370-db", "qemu_arm-virt-gicv3"),
    "arm64": ("meson-g12b-odroid-n2", "rk3399-gru-kevin", "juno-r2", "hip07-d05", "imx8mp-evk",
              "sun50i-h6-pine-h64", "r8a774a1-hihope-rzg2m-ex", "mt8183-kukui-jacuzzi-juniper-sku16",
              "sc7180-trogdor-lazor-limozeen", "bcm2711-rpi-4-b", "qemu_arm64-virt-gicv3",
              "kontron-kbox-a-230-ls"),
    "x86_64": ("qemu_x86_64", "minnowboard-turbot-E3826", "asus-C436FA-Flip-hatch",
               "hp-x360-12b-ca0010nr-n4020-octopus", "dell-latitude-5400-8665U-sarien", "acer-R721T-grunt",
               "hp-11A-G6-EE-grunt", "lenovo-TPad-C13-Yoga-zork", "asus-cx9400-volteer"),
    "i386": ("qemu_i386", "minnowboard-turbot-E3826"),
    "mips": ("qemu_mips-malta", "ci20", "qemu_mipsel-malta"),
    "riscv": ("qemu_riscv64", "sifive-hifive-unleashed-a00", "qemu_riscv32"),
}

# test plan → (relative frequency, number of cases, case name stems)
PLANS: dict[str, tuple[int, int, tuple[str, ...]]] = {
    "baseline": (10, 12, ("login", "dmesg.emerg", "dmesg.alert", "dmesg.crit", "dmesg.err", "dmesg.warn",
                          "bootrr.deferred-probe-empty", "bootrr.cpu-online", "bootrr.gpio-probed")),
    "baseline-nfs": (4, 12, ("login", "dmesg.crit", "dmesg.err", "nfs-mount", "bootrr.cpu-online")),
    "sleep": (3, 20, ("rtcwake-mem", "rtcwake-freeze", "rtcwake-disk")),
    "kselftest-futex": (3, 25, ("futex_requeue_pi", "futex_wait_timeout", "futex_wait_wouldblock")),
    "kselftest-cpufreq": (3, 40, ("cpufreq_main", "cpufreq_suspend", "cpufreq_governor")),
    "ltp-timers": (2, 45, ("clock_nanosleep", "timer_create", "leapsec_timer", "clock_settime")),
    "ltp-ipc": (2, 60, ("msgctl", "msgget", "semctl", "shmat", "pipe")),
    "kselftest-lkdtm": (2, 70, ("PANIC", "BUG", "WARNING", "EXCEPTION", "CORRUPT_LIST_ADD")),
    "v4l2-compliance-vivid": (2, 80, ("VIDIOC_QUERYCAP", "VIDIOC_G_FMT", "VIDIOC_S_FMT", "MMAP", "USERPTR")),
    "kselftest-net": (2, 100, ("tcp_mmap", "ipv6_flowlabel", "reuseport_bpf", "so_txtime", "udpgso")),
}

# Test case statuses (mostly PASS) and their weights.
CASE_STATUSES = (("PASS", 84), ("FAIL", 7), ("SKIP", 8), ("ERROR", 1))
BOOT_STATUSES = (("PASS", 86), ("FAIL", 9), ("OFFLINE", 3), ("UNKNOWN", 2))
BUILD_STATUSES = (("PASS", 91), ("FAIL", 8), ("UNKNOWN", 1))


def build_matrix() -> list[tuple[str, str, str, str]]:
    """Every (arch, defconfig, defconfig_full, build_environment) combination worth building."""
    combos = []
    for arch, (defconfigs, _image, _cross) in ARCHES.items():
        for i, defconfig in enumerate(defconfigs):
            for j, fragment in enumerate(FRAGMENTS):
                if j and (i + j) % 3:  # only some defconfigs get each fragment
                    continue
                for environment in TOOLCHAINS:
                    combos.append((arch, defconfig, defconfig + fragment, environment))
    return combos


def board_slots(arch: str) -> list[tuple[str, str]]:
    """(board, lab) pairs that can boot an arch: each real board in two labs, qemu in all."""
    slots = []
    for i, board in enumerate(BOARDS[arch]):
        labs = LABS if board.startswith("qemu") else (LABS[i % len(LABS)], LABS[(i * 3 + 1) % len(LABS)])
        slots.extend((board, lab) for lab in dict.fromkeys(labs))
    return slots
