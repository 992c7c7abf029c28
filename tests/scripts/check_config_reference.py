#!/usr/bin/env python3
"""The host's settings are declared once (core/config/host_settings.cc);
docs/configuration.md and config/config.yaml carry what `devtrack config
reference` generates from that table. Fails, showing the generated text,
when a file drifts from it. With --update, rewrites the files instead:

    tests/scripts/check_config_reference.py SOURCE_DIR DEVTRACK [--update]

In the docs each section's table sits between `<!-- generated: host
settings NAME -->` and `<!-- end -->`; in config.yaml the host sections
run from the first `settings:` line to the `# Projects` comment.
"""
import re
import subprocess
import sys


def generated(devtrack, *args):
    return subprocess.run([devtrack, "config", "reference", *args], check=True, capture_output=True,
                          text=True).stdout


def main(source, devtrack, update):
    failures = 0
    docs_path, yaml_path = f"{source}/docs/configuration.md", f"{source}/config/config.yaml"
    docs = open(docs_path).read()
    blocks = re.findall(r"(<!-- generated: host settings (\w+) -->\n.*?<!-- end -->\n)", generated(devtrack), re.S)
    for block, section in blocks:
        pattern = re.compile(r"<!-- generated: host settings " + section + r" -->\n.*?<!-- end -->\n", re.S)
        if not pattern.search(docs):
            print(f"FAIL: docs/configuration.md has no generated table for '{section}'; add:\n{block}")
            failures += 1
        elif pattern.search(docs).group(0) != block:
            if update:
                docs = pattern.sub(lambda _: block, docs)
            else:
                print(f"FAIL: docs/configuration.md's '{section}' table differs from the settings table; it is:\n"
                      f"{block}")
                failures += 1
    yaml = open(yaml_path).read()
    host = generated(devtrack, "--yaml")
    start, end = yaml.find("\nsettings:\n"), yaml.find("\n# Projects")
    if start < 0 or end < 0:
        print("FAIL: config/config.yaml has no 'settings:' section before '# Projects'")
        failures += 1
    elif yaml[start + 1:end + 1].rstrip("\n") != host.rstrip("\n"):
        if update:
            yaml = yaml[:start + 1] + host.rstrip("\n") + "\n\n" + yaml[end + 1:]
        else:
            print("FAIL: config/config.yaml's host sections differ from the settings table; they are:\n" + host)
            failures += 1
    if update:
        open(docs_path, "w").write(docs)
        open(yaml_path, "w").write(yaml)
        print("updated docs/configuration.md and config/config.yaml from the settings table")
        return 0
    if not failures:
        print(f"docs/configuration.md ({len(blocks)} tables) and config/config.yaml match the settings table")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2], "--update" in sys.argv[3:]))
