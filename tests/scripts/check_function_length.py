#!/usr/bin/env python3
"""No function in core/, plugins/ or sdk/ is longer than the limit (80 lines
from its opening brace to its closing one): docs/architecture.md, "Style".

A small brace matcher, not a compiler: comments, string and character
literals (raw strings too) are skipped; a block is a function when its head
ends in ")" (with const/override/noexcept/-> type after it) and it is not
inside another function (lambdas count toward the function they are in).
Prints each long function with its file and line; exit 1 if any.
"""
import os
import re
import sys

LIMIT = 80
HEAD = re.compile(r"\)\s*(?:const|override|noexcept|final|mutable|->\s*[\w:<>,\s*&]+|\s)*$")
CONTROL = re.compile(r".*\b(if|for|while|switch|catch)\s*\(")


def code_of(line, state):
    """The line's code with comments and literals removed; keeps braces."""
    out, i, n = [], 0, len(line)
    while i < n:
        if state["comment"]:
            j = line.find("*/", i)
            if j < 0:
                return "".join(out)
            state["comment"], i = False, j + 2
            continue
        if state["raw"]:
            j = line.find(state["raw"], i)
            if j < 0:
                return "".join(out)
            i, state["raw"] = j + len(state["raw"]), None
            continue
        if line.startswith("//", i):
            break
        if line.startswith("/*", i):
            state["comment"], i = True, i + 2
            continue
        raw = re.match(r'R"([^(\s]*)\(', line[i:])
        if raw and (i == 0 or not (line[i - 1].isalnum() or line[i - 1] == "_")):
            state["raw"], i = ")" + raw.group(1) + '"', i + raw.end()
            continue
        c = line[i]
        if c in "\"'":
            i += 1
            while i < n and line[i] != c:
                i += 2 if line[i] == "\\" else 1
            i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


def long_functions(path):
    state = {"comment": False, "raw": None}
    stack, head, found = [], "", []
    with open(path, errors="replace") as f:
        for number, line in enumerate(f, 1):
            code = code_of(line, state)
            for k, c in enumerate(code):
                if c == "{":
                    text = (head + " " + code[:k]).strip()
                    in_function = any(kind == "function" for kind, _ in stack)
                    is_function = (not in_function and HEAD.search(text) and not text.endswith("=")
                                   and not CONTROL.match(text))
                    stack.append(("function" if is_function else "block", number))
                elif c == "}" and stack:
                    kind, start = stack.pop()
                    if kind == "function" and number - start + 1 > LIMIT:
                        found.append((number - start + 1, start))
            stripped = code.strip()
            if stripped:
                head = (head + " " + stripped)[-300:]
            if stripped.endswith((";", "}", "{")):
                head = ""
    return found


def main(root):
    failures = []
    for top in ("core", "plugins", "sdk"):
        for folder, _, files in os.walk(os.path.join(root, top)):
            for name in sorted(files):
                if name.endswith((".cc", ".c", ".h", ".hpp")):
                    path = os.path.join(folder, name)
                    for length, line in long_functions(path):
                        failures.append(f"{os.path.relpath(path, root)}:{line}: a function of {length} lines")
    for f in failures:
        print("FAIL:", f, f"(at most {LIMIT}: split it into functions whose names say what they do)")
    if not failures:
        print(f"every function in core/, plugins/ and sdk/ is at most {LIMIT} lines")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
