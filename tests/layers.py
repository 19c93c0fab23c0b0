#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The layer rule of docs/ARCHITECTURE.md, checked on the #include lines of src/.

Every source file lives in a layer folder. A file may include headers of its own folder and
of folders of a strictly lower rank, never of a higher or sibling one; project headers are
named with their folder ("basic/util.h"); and no two modules (x.c + x.h) include each other,
directly or through others. Prints one line per violation; exit 1 if there is any.

usage: layers.py [SRC_DIR]        (default: src/ next to this file's parent)
       layers.py --self-test      (proves the check fails on an upward include and a circle)
"""
import os
import re
import sys

RANK = {"basic": 0, "systemd": 1, "tls": 1, "trust": 2, "cli": 3, "generator": 3}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def modules(src):
    """{module: [included module, ...]} where a module is 'layer/name' (x.c and x.h merged)."""
    graph, problems = {}, []
    for layer in sorted(os.listdir(src)):
        d = os.path.join(src, layer)
        if not os.path.isdir(d):
            continue
        if layer not in RANK:
            problems.append(f"src/{layer}/: not a known layer ({', '.join(RANK)}); add it to RANK and to docs/ARCHITECTURE.md")
            continue
        for f in sorted(os.listdir(d)):
            if not f.endswith((".c", ".h")):
                continue
            mod = f"{layer}/{f[:-2]}"
            edges = graph.setdefault(mod, [])
            with open(os.path.join(d, f), encoding="utf-8") as fh:
                text = fh.read()
            for inc in INCLUDE.findall(text):
                where = f"src/{layer}/{f}"
                if inc == "config.h":
                    continue
                if "/" not in inc or inc.startswith("."):
                    problems.append(f"{where}: #include \"{inc}\": name project headers with their folder (\"basic/util.h\")")
                    continue
                other = inc.split("/", 1)[0]
                if other not in RANK:
                    problems.append(f"{where}: #include \"{inc}\": no such layer")
                    continue
                if not os.path.exists(os.path.join(src, inc)):
                    problems.append(f"{where}: #include \"{inc}\": no such header")
                    continue
                if other != layer and RANK[other] >= RANK[layer]:
                    problems.append(f"{where}: #include \"{inc}\": {layer} may not include {other} "
                                    f"(includes point only downwards)")
                target = inc[:-2]
                if target != mod:
                    edges.append(target)
    return graph, problems


def cycles(graph):
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph.get(root, [])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]
                    counter[0] += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(graph.get(nxt, []))))
                elif nxt in on:
                    low[v] = min(low[v], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def self_test():
    import tempfile
    with tempfile.TemporaryDirectory() as t:
        files = {
            "basic/a.h": '#include "trust/b.h"\n',          # upward
            "trust/b.h": '#include "trust/c.h"\n',
            "trust/c.h": '#include "trust/b.h"\n',          # circle b <-> c
            "trust/d.c": '#include "util.h"\n',             # no folder
        }
        for name, text in files.items():
            os.makedirs(os.path.join(t, os.path.dirname(name)), exist_ok=True)
            with open(os.path.join(t, name), "w") as fh:
                fh.write(text)
        graph, problems = modules(t)
        problems += ["circle " + " ".join(c) for c in cycles(graph)]
    want = ["basic may not include trust", "circle trust/b trust/c", "name project headers with their folder"]
    missing = [w for w in want if not any(w in p for p in problems)]
    for w in missing:
        print(f"self-test: not reported: {w}")
    print(f"self-test: {len(want) - len(missing)} of {len(want)} violations reported")
    return 1 if missing else 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    here = os.path.dirname(os.path.abspath(__file__))
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "src")
    graph, problems = modules(src)
    for comp in cycles(graph):
        problems.append("include circle: " + " -> ".join(comp) + " (one of them must stop including the others)")
    for p in problems:
        print(p)
    n = len(graph)
    print(f"{n} modules in {len({m.split('/')[0] for m in graph})} layers, {len(problems)} problems")
    return 1 if problems or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
