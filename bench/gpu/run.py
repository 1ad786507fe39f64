#!/usr/bin/env python3
"""Fine-Tune Studio GPU bench: ours on WebGPU against PyTorch on CUDA, in one run.

Runs from the folder `npm run package:gpu-bench` writes, on a Linux x86-64 machine with an NVIDIA
GPU, its driver, Python 3 and PyTorch; no Node and no Vulkan loader are needed (both travel in the
folder). Standard library only, besides the torch the peer script imports.

  python3 run.py                   # the real shapes (bert-base 110M s128 b32, SmolLM2-135M s512 b8)
  python3 run.py --scale tiny      # tiny shapes, a rehearsal (also FTS_GPU_BENCH_SCALE=tiny)

Steps: unpack the Node binary and the other compressed files into a work folder (default
$TMPDIR/fts-gpu-bench-work); when `ldconfig -p`
lists no libvulkan.so.1, unpack the carried Debian packages (libvulkan1, libegl1, libglvnd0) into
<work>/vulkan-root and put it on LD_LIBRARY_PATH; find the NVIDIA Vulkan ICD file (or use
VK_DRIVER_FILES / VK_ICD_FILENAMES when set); then per model: ours (the Trainer on WebGPU), PyTorch
fp32 and bf16 autocast (CPU fp32 when torch has no CUDA, said in the result); then the
threaded-SIMD wasm build by thread count. Writes results/gpu-bench-<time>.json and .md.
"""
import argparse
import datetime
import gzip
import io
import json
import lzma
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ICD_DIRS = ["/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d", "/usr/local/nvidia/share/vulkan/icd.d", "/usr/local/share/vulkan/icd.d"]
DEFAULT_STEPS = {"full": (3, 10), "tiny": (1, 2)}


def log(message):
    print(f"[gpu-bench] {message}", file=sys.stderr, flush=True)


# ---- unpacking ----

def decompress(src, dst):
    opener = lzma.open if src.endswith(".xz") else gzip.open
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    with opener(src, "rb") as f, open(dst + ".part", "wb") as out:
        shutil.copyfileobj(f, out, 1 << 20)
    os.chmod(dst + ".part", 0o755)
    os.replace(dst + ".part", dst)


def unpack(manifest, work):
    """Copies app/ into work/app and decompresses the files the manifest lists (once per package)."""
    stamp = os.path.join(work, "unpacked.json")
    if os.path.exists(stamp):
        with open(stamp) as f:
            if json.load(f) == manifest:
                return
    shutil.rmtree(os.path.join(work, "app"), ignore_errors=True)
    shutil.copytree(os.path.join(HERE, "app"), os.path.join(work, "app"), ignore=shutil.ignore_patterns("*.xz", "*.gz"))
    for rel in manifest["compressed"]:
        log(f"unpacking {rel}")
        decompress(os.path.join(HERE, rel), os.path.join(work, rel.rsplit(".", 1)[0]))
    with open(stamp, "w") as f:
        json.dump(manifest, f)


def read_ar(path):
    """Members of a Debian package (an `ar` archive): name -> bytes. No dpkg or binutils needed."""
    with open(path, "rb") as f:
        data = f.read()
    if not data.startswith(b"!<arch>\n"):
        raise ValueError(f"{path} is not a Debian package (no ar header)")
    members, pos = {}, 8
    while pos + 60 <= len(data):
        header = data[pos:pos + 60]
        name = header[:16].decode().strip().rstrip("/")
        size = int(header[48:58].decode().strip())
        members[name] = data[pos + 60:pos + 60 + size]
        pos += 60 + size + (size % 2)
    return members


def extract_deb(path, root):
    members = read_ar(path)
    name = next((n for n in members if n.startswith("data.tar")), None)
    if name is None:
        raise ValueError(f"{path}: no data.tar member")
    payload = members[name]
    if name.endswith(".zst"):
        raise ValueError(f"{path}: data.tar.zst needs Python 3.14's zstd; repackage with .xz debs")
    with tarfile.open(fileobj=io.BytesIO(payload), mode="r:*") as tar:
        tar.extractall(root, filter="fully_trusted") if hasattr(tarfile, "data_filter") else tar.extractall(root)


def ldconfig_libraries():
    """`ldconfig -p`'s listing of the linker cache ('' where there is no ldconfig)."""
    try:
        return subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=False).stdout
    except FileNotFoundError:
        return ""


def system_has_vulkan_loader(libs=None, env=None):
    env = os.environ if env is None else env
    if "libvulkan.so.1" in (ldconfig_libraries() if libs is None else libs):
        return True
    dirs = [d for d in env.get("LD_LIBRARY_PATH", "").split(":") if d]
    return any(os.path.exists(os.path.join(d, "libvulkan.so.1")) for d in dirs)


def vulkan_environment(work, force_private):
    """The variables the Node child needs for Vulkan, and a note of what was done."""
    env, notes = {}, []
    if force_private or not system_has_vulkan_loader():
        root = os.path.join(work, "vulkan-root")
        if not os.path.exists(os.path.join(root, "done")):
            shutil.rmtree(root, ignore_errors=True)
            for deb in sorted(os.listdir(os.path.join(HERE, "debs"))):
                log(f"unpacking {deb}")
                extract_deb(os.path.join(HERE, "debs", deb), root)
            open(os.path.join(root, "done"), "w").close()
        libdir = os.path.join(root, "usr", "lib", "x86_64-linux-gnu")
        env["LD_LIBRARY_PATH"] = ":".join([libdir] + [d for d in os.environ.get("LD_LIBRARY_PATH", "").split(":") if d])
        notes.append(f"Vulkan loader: the carried Debian packages, unpacked in {root}" + (" (forced)" if force_private else " (ldconfig -p lists no libvulkan.so.1)"))
    else:
        notes.append("Vulkan loader: the system's (ldconfig -p lists libvulkan.so.1)")
    preset = os.environ.get("VK_DRIVER_FILES") or os.environ.get("VK_ICD_FILENAMES")
    if preset:
        icd = preset
        notes.append(f"Vulkan ICD: {icd} (from VK_DRIVER_FILES / VK_ICD_FILENAMES)")
    else:
        icd = find_nvidia_icd(work)
        notes.append(f"Vulkan ICD: {icd}" if icd else "Vulkan ICD: no NVIDIA ICD file found in " + ", ".join(ICD_DIRS))
    if icd:
        env["VK_DRIVER_FILES"] = icd
        env["VK_ICD_FILENAMES"] = icd
    return env, notes


def find_nvidia_icd(work, dirs=ICD_DIRS, libs=None):
    """The NVIDIA Vulkan ICD file: the first nvidia*.json in `dirs`, else one written for the driver's library."""
    for d in dirs:
        if os.path.isdir(d):
            for name in sorted(os.listdir(d)):
                if name.startswith("nvidia") and name.endswith(".json"):
                    return os.path.join(d, name)
    # Containers given the driver's libraries but not its ICD file (NVIDIA_DRIVER_CAPABILITIES
    # without `graphics` mounts no icd.d): the driver's GLX library is its Vulkan ICD.
    libs = ldconfig_libraries() if libs is None else libs
    for lib in ("libGLX_nvidia.so.0", "libEGL_nvidia.so.0"):
        if lib in libs:
            path = os.path.join(work, "nvidia_icd.json")
            with open(path, "w") as f:
                json.dump({"file_format_version": "1.0.1", "ICD": {"library_path": lib, "api_version": "1.3"}}, f)
            return path
    return None


# ---- running ----

class Clock:
    """The run's time budget: each measurement gets at most what is left of it."""

    def __init__(self, budget, per_measurement):
        self.deadline = time.time() + budget
        self.per_measurement = per_measurement

    def timeout(self):
        return min(self.per_measurement, int(self.deadline - time.time()))


def run_child(argv, env, clock):
    """Runs one measurement; returns its RESULT json, or {"error": ...}."""
    timeout = clock.timeout()
    if timeout < 20:
        return {"error": "skipped: the run's time budget (--budget) is spent"}
    log(" ".join(argv[-6:]))
    start = time.time()
    try:
        proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout} s"}
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-8:]
        return {"error": f"exit {proc.returncode} after {time.time() - start:.0f} s: " + " | ".join(tail)}
    return json.loads(lines[-1][len("RESULT "):])


def gpu_description():
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"], capture_output=True, text=True, timeout=30, check=False)
        return out.stdout.strip() or None
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return None


def fmt(value, digits=1):
    return f"{value:,.{digits}f}" if isinstance(value, (int, float)) else "–"


def table(report):
    lines = [
        f"GPU bench ({report['scale']} shapes), commit {report['package'].get('commit', '?')}, {report['date']}",
        f"GPU: {report['gpu'] or 'none found by nvidia-smi'}; ours: {report.get('oursDevice', '?')}; torch: {report.get('torchDevice', '?')}",
        "",
        "| model | ours WebGPU samples/s | tokens/s | torch fp32 samples/s | tokens/s | ours / torch fp32 | torch bf16 autocast samples/s | tokens/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    problems = []
    for model in report["models"]:
        ours, fp32, bf16 = model["ours"], model["torchFp32"], model["torchBf16"]
        ratio = ours.get("samplesPerSecond", 0) / fp32["samplesPerSecond"] if "samplesPerSecond" in ours and "samplesPerSecond" in fp32 else None
        lines.append(
            f"| {model['title']} | {fmt(ours.get('samplesPerSecond'), 2)} | {fmt(ours.get('tokensPerSecond'), 0)} | {fmt(fp32.get('samplesPerSecond'), 2)} | "
            f"{fmt(fp32.get('tokensPerSecond'), 0)} | {fmt(ratio, 3)}x | {fmt(bf16.get('samplesPerSecond'), 2)} | {fmt(bf16.get('tokensPerSecond'), 0)} |"
        )
        for side, result in (("ours", ours), ("torch fp32", fp32), ("torch bf16", bf16)):
            if "error" in result or "skipped" in result:
                problems.append(f"{model['name']} {side}: {result.get('error') or result.get('skipped')}")
    lines += [""] + [f"- {problem}" for problem in problems]
    threads = report.get("wasmThreads")
    if threads and "figures" in threads:
        lines += ["", f"wasm threaded SIMD (FTS_NATIVE=0) on {threads['cores']} logical cores, {threads['seconds']} s per figure:", "",
                  "| workload | " + " | ".join(f"{n} thr" for n in threads["counts"]) + " |", "| --- |" + " ---: |" * len(threads["counts"])]
        for workload, by_count in threads["figures"].items():
            unit = "GFLOP/s" if workload == "matmul" else "ex/s"
            lines.append(f"| {workload} ({unit}) | " + " | ".join(fmt(by_count[str(n)]) for n in threads["counts"]) + " |")
        lines.append(f"\nFastest training at {threads['cores']} cores: threads {threads['bestTrainingThreads']} "
                     f"(rule entry for src/trainer/backends/threads.ts: {{ minCores: {threads['cores']}, threads: {threads['bestTrainingThreads']} }})")
    elif threads:
        lines.append(f"\nwasm threads: {threads.get('error') or threads.get('skipped')}")
    lines += [""] + [f"- {note}" for note in report["notes"]]
    return "\n".join(lines) + "\n"


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default=os.environ.get("FTS_GPU_BENCH_SCALE", "full"), choices=["full", "tiny"])
    parser.add_argument("--models", default="bert,smollm")
    parser.add_argument("--warmup", type=int)
    parser.add_argument("--steps", type=int)
    parser.add_argument("--out", default=os.path.join(os.getcwd(), "results"))
    # Outside the package by default: the unpacked Node alone is 120 MB, and the folder must stay small to carry.
    parser.add_argument("--work", default=os.environ.get("FTS_GPU_BENCH_WORK", os.path.join(tempfile.gettempdir(), "fts-gpu-bench-work")))
    parser.add_argument("--python", default=sys.executable, help="the Python with torch for the peer (default: this one)")
    parser.add_argument("--node", help="a Node >= 20.19 to use instead of the carried one")
    parser.add_argument("--backend", default="webgpu", help="our backend (webgpu; wasm to compare on CPU)")
    parser.add_argument("--force-private-vulkan", action="store_true", help="use the carried Vulkan loader even when the system has one (rehearsal)")
    parser.add_argument("--threads-seconds", type=float, default=3.0)
    parser.add_argument("--no-threads", action="store_true", help="skip the wasm threads measurement")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per measurement")
    parser.add_argument("--budget", type=int, default=540, help="seconds for the whole run: a measurement that cannot start in time is skipped, saying so")
    args = parser.parse_args(argv)

    with open(os.path.join(HERE, "manifest.json")) as f:
        manifest = json.load(f)
    os.makedirs(args.work, exist_ok=True)
    unpack(manifest, args.work)
    node = args.node or os.path.join(args.work, "node", "bin", "node")
    entry = os.path.join(args.work, "app", "dist", "gpu-bench.js")
    shapes = os.path.join(HERE, "shapes.json")
    warmup, steps = DEFAULT_STEPS[args.scale]
    warmup, steps = args.warmup if args.warmup is not None else warmup, args.steps if args.steps is not None else steps

    clock = Clock(args.budget, args.timeout)
    vk_env, notes = vulkan_environment(args.work, args.force_private_vulkan)
    node_env = {**os.environ, **vk_env}
    with open(shapes) as f:
        shape_specs = json.load(f)[args.scale]
    report = {
        "scale": args.scale, "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "host": platform.node(), "cpuCount": os.cpu_count(), "gpu": gpu_description(), "package": manifest,
        "warmupSteps": warmup, "timedSteps": steps, "notes": notes, "models": [],
    }
    for name in args.models.split(","):
        shape = shape_specs[name]
        ours = run_child([node, entry, "ours", shapes, args.scale, name, args.backend, str(warmup), str(steps)], node_env, clock)
        peer = run_child([args.python, os.path.join(HERE, "torch_peer.py"), shapes, args.scale, name, str(warmup), str(steps)], dict(os.environ), clock)
        by_precision = {r["precision"]: r for r in peer.get("results", [])}
        report["models"].append({
            "name": name, "title": shape["title"], "seq": shape["seq"], "batch": shape["batch"], "ours": ours,
            "torchFp32": by_precision.get("fp32", peer if "error" in peer else {"error": "no fp32 result"}),
            "torchBf16": by_precision.get("bf16", peer if "error" in peer else {"error": "no bf16 result"}),
        })
        report.setdefault("oursDevice", ours.get("device"))
        if "torch" in peer:
            report["torchVersion"], report["cudaVersion"] = peer["torch"], peer["cuda"]
            report.setdefault("torchDevice", by_precision.get("fp32", {}).get("device"))
    if "software" in (report.get("oursDevice") or "") and args.scale == "full":
        notes.append("ours ran on a SOFTWARE adapter, not the GPU: check the ICD file above (VK_DRIVER_FILES)")
    if report.get("torchDevice", "").startswith("CPU"):
        notes.append("PyTorch has no CUDA here: its figures are torch CPU fp32, not a GPU")
    report["wasmThreads"] = {"skipped": "--no-threads"} if args.no_threads else run_child(
        [node, entry, "threads", str(args.threads_seconds)], {**os.environ, "FTS_NATIVE": "0"}, clock)

    os.makedirs(args.out, exist_ok=True)
    stem = os.path.join(args.out, "gpu-bench-" + report["date"].replace(":", "").replace("+0000", "Z"))
    with open(stem + ".json", "w") as f:
        json.dump(report, f, indent=2)
    text = table(report)
    with open(stem + ".md", "w") as f:
        f.write(text)
    print(text)
    print(f"wrote {stem}.json and {stem}.md")
    failed = [m["name"] for m in report["models"] if "error" in m["ours"] or "error" in m["torchFp32"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
