#!/usr/bin/env python3
"""Checks deploy/ against the binary it deploys (docs/operations.md "Containers and Kubernetes").

- Dockerfile: the command runs `serve` with flags `mercato serve --help` lists; the exposed port
  and the volume are the ones the flags name; the runtime stage installs the Debian package of
  every shared library the binary links directly (so the image can start at all).
- kubernetes/*.yaml: every document parses; the container runs `serve` with known flags; the
  container port is --port; --data-dir and --backup-dir are mounted volumes; the probes are
  public routes of docs/access.md; an autoscaler scales a workload that exists.
- compose/docker-compose.yml: the mercato services run `serve` with known flags, publish --port,
  mount --data-dir and --privacy-policy, and name brokers that are services; every mounted file
  exists and every named volume is declared.

Usage: check_deploy.py --binary build/release/src/cli/mercato --root .
Exit 0 when everything holds, 1 listing every problem. A fixture with planted mistakes
(--self-test) proves the checks can fail.
"""
import argparse
import json
import os
import re
import subprocess
import sys

import yaml


def serve_flags(binary):
    text = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True,
                          check=True).stdout
    return set(re.findall(r"--[a-z0-9][a-z0-9-]*", text))


def public_routes(root):
    routes = set()
    with open(os.path.join(root, "docs", "access.md")) as doc:
        for line in doc:
            cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
            if len(cells) == 4 and cells[2] == "public":
                routes.add((cells[0], cells[1]))
    return routes


def flag_values(args):
    """{--flag: value or True} of a serve argument list."""
    values = {}
    i = 0
    while i < len(args):
        arg = str(args[i])
        if arg.startswith("--"):
            if i + 1 < len(args) and not str(args[i + 1]).startswith("--"):
                values[arg] = str(args[i + 1])
                i += 2
                continue
            values[arg] = True
        i += 1
    return values


def check_serve_args(where, args, flags, problems):
    if not args or args[0] != "serve":
        problems.append(f"{where}: the command is not `serve` ({args[:1]})")
        return {}
    values = flag_values(args[1:])
    for flag in values:
        if flag not in flags:
            problems.append(f"{where}: `mercato serve` has no flag {flag}")
    return values


def direct_library_packages(binary):
    """Debian packages of the shared libraries the binary links directly."""
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]",
                        subprocess.run(["readelf", "-d", binary], capture_output=True, text=True,
                                       check=True).stdout)
    resolved = {}
    for line in subprocess.run(["ldd", binary], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        match = re.match(r"\s*(\S+) => (\S+)", line)
        if match:
            resolved[match.group(1)] = match.group(2)
    packages = {}
    for library in needed:
        if library.startswith(("libasan", "libubsan", "libtsan", "liblsan")):
            continue  # a sanitizer build's runtime, not the release image's
        path = resolved.get(library)
        if not path:
            packages[library] = None
            continue
        real = os.path.realpath(path)
        owner = None
        for candidate in (real, "/usr" + real if not real.startswith("/usr/") else real[4:]):
            result = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
            if result.returncode == 0:
                owner = result.stdout.split(":")[0].strip()
                break
        packages[library] = owner
    return packages


def essential(package):
    result = subprocess.run(["dpkg-query", "-W", "-f=${Essential}", package],
                            capture_output=True, text=True)
    return result.returncode == 0 and result.stdout.strip() == "yes"


def dockerfile_stages(text):
    """[(stage name, [instruction lines])], continuation lines joined."""
    joined = re.sub(r"\\\n", " ", text)
    stages = []
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"FROM\s+\S+(?:\s+AS\s+(\S+))?", line, re.IGNORECASE)
        if match:
            stages.append((match.group(1) or "", []))
        elif stages:
            stages[-1][1].append(line)
    return stages


def check_dockerfile(root, binary, flags, problems):
    path = os.path.join(root, "deploy", "Dockerfile")
    with open(path) as f:
        stages = dockerfile_stages(f.read())
    if len(stages) < 2:
        problems.append("Dockerfile: expected a build and a runtime stage")
        return
    name, lines = stages[-1]
    entrypoint, command, installed = [], [], set()
    port, volumes = None, []
    for line in lines:
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "ENTRYPOINT":
            entrypoint = json.loads(rest)
        elif keyword == "CMD":
            command = json.loads(rest)
        elif keyword == "EXPOSE":
            port = rest.split()[0]
        elif keyword == "VOLUME":
            volumes = json.loads(rest)
        elif keyword == "RUN" and "apt-get install" in rest:
            for part in rest.split("&&"):
                if "apt-get install" in part:
                    words = part.split("apt-get install", 1)[1].split()
                    installed.update(w for w in words if not w.startswith("-"))
    if not entrypoint or not entrypoint[0].endswith("/mercato"):
        problems.append(f"Dockerfile: the runtime ENTRYPOINT is not the mercato binary ({entrypoint})")
    values = check_serve_args("Dockerfile CMD", command, flags, problems)
    if values.get("--port") != port:
        problems.append(f"Dockerfile: EXPOSE {port} but --port {values.get('--port')}")
    if values.get("--data-dir") not in volumes:
        problems.append(f"Dockerfile: --data-dir {values.get('--data-dir')} is not a VOLUME {volumes}")
    for library, package in sorted(direct_library_packages(binary).items()):
        if package is None and library.startswith("ld-linux"):
            package = "libc6"  # the dynamic loader
        if package is not None and essential(package):
            continue  # in every Debian image
        if package is None:
            problems.append(f"Dockerfile: cannot tell which package provides {library}")
        elif package not in installed:
            problems.append(f"Dockerfile: the runtime stage does not install {package} ({library})")


def check_kubernetes(root, flags, routes, problems):
    directory = os.path.join(root, "deploy", "kubernetes")
    containers = 0
    workloads = set()
    for name in sorted(os.listdir(directory)):
        if name.endswith((".yaml", ".yml")):
            with open(os.path.join(directory, name)) as f:
                for document in yaml.safe_load_all(f):
                    if document and document.get("kind") in ("StatefulSet", "Deployment"):
                        workloads.add((document["kind"], document["metadata"]["name"]))
    for name in sorted(os.listdir(directory)):
        if not name.endswith((".yaml", ".yml")):
            continue
        with open(os.path.join(directory, name)) as f:
            documents = [d for d in yaml.safe_load_all(f) if d]
        for document in documents:
            for key in ("apiVersion", "kind", "metadata"):
                if key not in document:
                    problems.append(f"{name}: a document has no {key}")
            if document.get("kind") == "HorizontalPodAutoscaler":
                target = document["spec"]["scaleTargetRef"]
                if (target.get("kind"), target.get("name")) not in workloads:
                    problems.append(f"{name}: the autoscaler scales {target.get('kind')}/"
                                    f"{target.get('name')}, which no manifest defines")
                if document["spec"].get("minReplicas", 1) > document["spec"]["maxReplicas"]:
                    problems.append(f"{name}: the autoscaler's minReplicas exceeds maxReplicas")
            if document.get("kind") not in ("StatefulSet", "Deployment"):
                continue
            spec = document["spec"]["template"]["spec"]
            claims = {c["metadata"]["name"] for c in document["spec"].get("volumeClaimTemplates", [])}
            claims |= {v["name"] for v in spec.get("volumes", [])}
            for container in spec["containers"]:
                containers += 1
                where = f"{name} {document['kind']}/{container['name']}"
                values = check_serve_args(where, [str(a) for a in container.get("args", [])],
                                          flags, problems)
                ports = {str(p["containerPort"]): p.get("name") for p in container.get("ports", [])}
                if values.get("--port") not in ports:
                    problems.append(f"{where}: --port {values.get('--port')} is not a container port")
                mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
                for flag in ("--data-dir", "--backup-dir"):
                    if flag in values and values[flag] not in mounts:
                        problems.append(f"{where}: {flag} {values[flag]} is not a mounted volume")
                for mount, volume in mounts.items():
                    if volume not in claims:
                        problems.append(f"{where}: mount {mount} names an unknown volume {volume}")
                for probe in ("readinessProbe", "livenessProbe"):
                    path = container.get(probe, {}).get("httpGet", {}).get("path")
                    if ("GET", path) not in routes:
                        problems.append(f"{where}: {probe} {path} is not a public GET route")
    if containers == 0:
        problems.append("kubernetes: no mercato container found")


def check_compose(root, flags, problems):
    directory = os.path.join(root, "deploy", "compose")
    path = os.path.join(directory, "docker-compose.yml")
    with open(path) as f:
        compose = yaml.safe_load(f)
    services = compose.get("services", {})
    named_volumes = set((compose.get("volumes") or {}).keys())
    nodes = 0
    for name, service in services.items():
        for dependency in (service.get("depends_on") or {}):
            if dependency not in services:
                problems.append(f"compose {name}: depends on unknown service {dependency}")
        mounts = {}
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[0], volume.split(":")[1]
            mounts[target] = source
            if source.startswith("."):
                if not os.path.exists(os.path.normpath(os.path.join(directory, source))):
                    problems.append(f"compose {name}: mounts {source}, which does not exist")
            elif source not in named_volumes:
                problems.append(f"compose {name}: mounts unknown volume {source}")
        if not str(service.get("image", "")).startswith("mercato"):
            continue
        nodes += 1
        values = check_serve_args(f"compose {name}", [str(a) for a in service.get("command", [])],
                                  flags, problems)
        for flag in ("--data-dir", "--privacy-policy"):
            if flag in values and not any(values[flag] == t or values[flag].startswith(t + "/")
                                          for t in mounts):
                problems.append(f"compose {name}: {flag} {values[flag]} is not mounted")
        brokers = values.get("--kafka-brokers", "")
        for broker in filter(None, brokers.split(",")):
            if broker.split(":")[0] not in services:
                problems.append(f"compose {name}: broker {broker} is not a service")
        published = [str(p).split(":")[-1] for p in service.get("ports", [])]
        if values.get("--port") not in published:
            problems.append(f"compose {name}: --port {values.get('--port')} is not published")
    if nodes == 0:
        problems.append("compose: no mercato service found")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--self-test", action="store_true",
                        help="check a copy of deploy/ with planted mistakes: must find them")
    args = parser.parse_args()
    flags = serve_flags(args.binary)
    routes = public_routes(args.root)
    problems = []
    root = args.root
    if args.self_test:
        import shutil
        import tempfile
        scratch = tempfile.mkdtemp()
        shutil.copytree(os.path.join(args.root, "deploy"), os.path.join(scratch, "deploy"))
        shutil.copytree(os.path.join(args.root, "docs"), os.path.join(scratch, "docs"))
        for rel, old, new in [
            ("deploy/Dockerfile", "libssl3 ", ""),
            ("deploy/Dockerfile", '"--access-log"', '"--acess-log"'),
            ("deploy/kubernetes/mercato.yaml", "path: /readyz", "path: /ready"),
            ("deploy/kubernetes/mercato.yaml", "containerPort: 8080", "containerPort: 9090"),
            ("deploy/kubernetes/mercato-cluster.yaml", "- --kafka-group", "- --kafka-groups"),
            ("deploy/kubernetes/mercato-cluster.yaml", "kind: StatefulSet, name: mercato-cluster}",
             "kind: StatefulSet, name: mercato-clustr}"),
            ("deploy/compose/docker-compose.yml", '"--kafka-topic"', '"--kafka-topik"'),
            ("deploy/compose/docker-compose.yml", "../grafana/mercato-dashboard.json",
             "../grafana/dashboard.json"),
        ]:
            path = os.path.join(scratch, rel)
            with open(path) as f:
                text = f.read()
            assert old in text, (rel, old)
            with open(path, "w") as f:
                f.write(text.replace(old, new, 1))
        root = scratch
    check_dockerfile(root, args.binary, flags, problems)
    check_kubernetes(root, flags, routes, problems)
    check_compose(root, flags, problems)
    if args.self_test:
        expected = ["does not install libssl3", "no flag --acess-log", "/ready is not",
                    "--port 8080 is not a container port", "no flag --kafka-groups",
                    "StatefulSet/mercato-clustr, which no manifest defines",
                    "no flag --kafka-topik", "mounts ../grafana/dashboard.json"]
        missing = [e for e in expected if not any(e in p for p in problems)]
        if missing:
            print("check_deploy self-test: planted mistakes not found: " + ", ".join(missing))
            return 1
        print(f"check_deploy self-test: all {len(expected)} planted mistakes found")
        return 0
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print("check_deploy: Dockerfile, Kubernetes and compose files match the binary")
    return 0


if __name__ == "__main__":
    sys.exit(main())
