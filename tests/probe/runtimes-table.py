#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Pivot the output of tests/probe/runtimes.sh: one row per (server, setting), one column per
# runtime version. Cells: ok, the error code (UVLS = UNABLE_TO_VERIFY_LEAF_SIGNATURE,
# rUI = rustls UnknownIssuer), "https/fetch" when the two clients differ, +W when the runtime
# printed "Ignoring extra certs", exitN:badopt for a refused option.
# Usage: runtimes.sh > out; runtimes-table.py out [RUNTIME-PREFIX]
import collections
import re
import sys

text = open(sys.argv[1]).read()
prefix = sys.argv[2] if len(sys.argv) > 2 else ''
AB = {'UNABLE_TO_VERIFY_LEAF_SIGNATURE': 'UVLS', 'CERT_HAS_EXPIRED': 'EXPIRED', 'OK': 'ok',
      'rustls:UnknownIssuer': 'rUI', 'connection_error': 'connerr'}


def short(r):
    r = AB.get(r, r)
    return 'FailedOpeningCA' if r.startswith('Failed_opening_CA_file') else r


def cellof(res, note):
    if res.startswith('exit'):
        r = 'exit' + res.split()[0][5:]
        if 'bad option' in res or 'not allowed' in res:
            r += ':badopt'
    else:
        h, f = (short(x.split('=', 1)[1]) for x in res.split())
        r = h if h == f else f'{h}/{f}'
    return r + ('+W' if note and 'warn' in note else '')


def table(rows, cols):
    w = max(len(k) for k in rows)
    cw = {c: max([len(c)] + [len(v.get(c, '')) for v in rows.values()]) for c in cols}
    out = [' ' * w + ' | ' + ' | '.join(c.ljust(cw[c]) for c in cols)]
    for k, v in rows.items():
        if any(c in v for c in cols):
            out.append(k.ljust(w) + ' | ' + ' | '.join(v.get(c, '').ljust(cw[c]) for c in cols))
    return '\n'.join(out)


main, _, priv = text.partition('# privilege')
cols, rows = [], collections.OrderedDict()
for line in main.splitlines():
    if line.startswith('#') or not line.strip() or line == 'done':
        continue
    m = re.match(r'(\S+)\s+(\S+)\s+([AB]) (.*?)\s+(https=\S+ fetch=\S+|exit=\d+.*?)\s*(\[.*)?$', line)
    if not m:
        continue
    rt, ver, srv, setting, res, note = m.groups()
    col = f'{rt} {ver.lstrip("v")}'
    if not col.startswith(prefix):
        continue
    cols.append(col) if col not in cols else None
    rows.setdefault(f'{srv} {setting}', {})[col] = cellof(res, note)
print(table(rows, cols))

cols, rows = [], collections.OrderedDict()
for line in priv.splitlines()[1:]:
    m = re.match(r'(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(.*?)\s+(https=\S+ fetch=\S+|exit=\d+.*?)\s*(\[.*)?$', line)
    if not m:
        continue
    kind, ver, mode, who, setting, res, note = m.groups()
    col = f'{kind} {ver.lstrip("v")}'
    if not col.startswith(prefix):
        continue
    cols.append(col) if col not in cols else None
    rows.setdefault(f'{mode} {who} {setting}', {})[col] = cellof(res, note)
if rows:
    print()
    print(table(rows, cols))
