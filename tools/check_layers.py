#!/usr/bin/env python3
"""Fails when a module includes a module of the same or a higher layer (docs/architecture.md).

Every folder under src/ must appear in LAYERS; a module may include its own headers and those of
strictly lower layers. Run: tools/check_layers.py [src_dir]
"""
import pathlib
import re
import sys

LAYERS = {
    "core": 0,
    "event": 1, "storage": 1,
    "weather": 1,  # weather context for recommendations (external HTTP provider, cache)
    "privacy": 2,  # below everything that holds personal data, so all of it can use the vault
    "stream": 2,  # cluster mode: the Kafka producer and consumer behind the event log
    "generator": 3, "importer": 3, "profile": 3,
    "catalog": 3,  # the product catalog: items from the API, CSV imports and events
    "analytics": 4, "recommend": 4,
    "content": 5, "journey": 5, "channel": 5,
    "segment": 5,  # stored segments and incremental membership over profiles and rules
    "scoring": 5,  # model runs over stored customers (RFM, clusters, cohorts, predictions)
    "recserve": 5,  # recommendation training from stored events, model versions, serving
    "pipeline": 6,
    "server": 7,
    "cli": 8,  # the composition root
}
INCLUDE = re.compile(r'^\s*#\s*include\s*"([a-z_]+)/[^"]+"', re.MULTILINE)


def main() -> int:
    src = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "src")
    errors = []
    for module_dir in sorted(p for p in src.iterdir() if p.is_dir()):
        module = module_dir.name
        if module not in LAYERS:
            errors.append(f"{module_dir}: module '{module}' has no layer in tools/check_layers.py")
            continue
        for path in sorted(module_dir.rglob("*")):
            if path.suffix not in (".h", ".cc"):
                continue
            for target in INCLUDE.findall(path.read_text(encoding="utf-8")):
                if target == module:
                    continue
                if target not in LAYERS:
                    errors.append(f"{path}: includes unknown module '{target}'")
                elif LAYERS[target] >= LAYERS[module]:
                    errors.append(f"{path}: layer {LAYERS[module]} module '{module}' includes "
                                  f"'{target}' (layer {LAYERS[target]})")
    for error in errors:
        print(error)
    print(f"check_layers: {len(errors)} violation(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
