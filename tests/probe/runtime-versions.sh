#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14: a runtime's version read from its bytes, never by running it (unit-tls must not run a
# binary of an image tree). For each cached runtime this prints the version each byte pattern
# gives, the file offset, the ELF section it lies in and the file size, and checks it against
# what the binary itself says (this test may run it; unit-tls may not).
#
#   node (official, NodeSource, any release build from source; distro libnode.so.N):
#     https://nodejs.org/download/<release|rc|nightly>/v<V>/node-v<V>(-headers)?.tar.gz
#     (process.release.sourceUrl/headersUrl, compiled in when NODE_VERSION_IS_RELEASE; .rodata)
#     a dynamically linked node (Debian: /usr/bin/node, 26 KiB) has it in the libnode.so.<ABI>
#     it names in DT_NEEDED (108 = Node 18, 115 = 20, 127 = 22, 137 = 24)
#   bun:  "Bun v<V> (<hex commit>) Linux x64"           (crash-report header)
#   deno: "Deno/<V>Deno/<V>+<7 hex>"                     (user agent, then with the commit)
#
# Usage: runtime-versions.sh [RUNTIME...]  (names as for tests/lib/runtimes.sh rt_install)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib/runtimes.sh
. "$here/../lib/runtimes.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }

DEFAULT=(node20 node@22.14.0 node@22.15.0 node@22.19.0 node22 node@23.8.0 node24 node26
	debian-bookworm debian-trixie bun@1.1.27 bun@1.2.0 bun@1.3.0 bun deno@2.0.0 deno@2.5.0 deno@2.8.0 deno)
[ $# -gt 0 ] && RTS=("$@") || RTS=("${DEFAULT[@]}")

fail=0
for rt in "${RTS[@]}"; do
	bin=$(rt_install "$rt") || { echo "FAIL: rt_install $rt"; fail=1; continue; }
	said=$(env -i "$bin" --version 2>/dev/null | head -n 1 | awk '{print ($1=="deno") ? $2 : $1}')
	said=${said#v}
	# the real ELF file (Debian's entry is a wrapper script; the binary sits under root/)
	file=$bin
	case $rt in debian-*) file=$(dirname "$(dirname "$bin")")/root/usr/bin/node ;; esac
	case $rt in bun*) kind=bun ;; deno*) kind=deno ;; *) kind=node ;; esac
	out=$(python3 - "$kind" "$file" <<'EOF'
import re, struct, sys, os
kind, path = sys.argv[1], sys.argv[2]
PAT = {
    'node': rb'https://nodejs\.org/download/[a-z]+/v([0-9]+\.[0-9]+\.[0-9]+[-+.0-9A-Za-z]*)/node-v\1(?:-headers)?\.tar\.gz\x00',
    'bun':  rb'Bun v([0-9]+\.[0-9]+\.[0-9]+[-+.0-9A-Za-z]*) \([0-9a-f]{6,40}\) Linux x64',
    'deno': rb'Deno/([0-9]+\.[0-9]+\.[0-9]+[-.0-9A-Za-z]*)Deno/\1\+[0-9a-f]{7,40}',
}[kind]

def sections(data):
    if data[:4] != b'\x7fELF' or data[4] != 2: return []
    shoff, = struct.unpack_from('<Q', data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', data, 0x3a)
    sh = [struct.unpack_from('<IIQQQQIIQQ', data, shoff + i * shentsize) for i in range(shnum)]
    strtab = sh[shstrndx][4]
    name = lambda o: data[strtab + o:data.index(b'\0', strtab + o)].decode()
    return [(name(s[0]), s[4], s[5], s[1]) for s in sh]

def needed(data):
    # DT_NEEDED names from the dynamic section (via .dynstr)
    secs = {n: (off, size) for n, off, size, _ in sections(data)}
    if '.dynamic' not in secs or '.dynstr' not in secs: return []
    doff, dsize = secs['.dynamic']; soff, _ = secs['.dynstr']
    out = []
    for i in range(0, dsize, 16):
        tag, val = struct.unpack_from('<qQ', data, doff + i)
        if tag == 0: break
        if tag == 1: out.append(data[soff + val:data.index(b'\0', soff + val)].decode())
    return out

def scan(p):
    data = open(p, 'rb').read()
    secs = sections(data)
    hits = []
    for m in re.finditer(PAT, data):
        sec = next((f'{n}+{m.start() - off}' for n, off, size, t in secs if t != 8 and off <= m.start() < off + size), '?')
        hits.append((m.group(1).decode(), m.start(), sec))
    return data, hits

data, hits = scan(path)
target = path
if not hits and kind == 'node':
    libs = [n for n in needed(data) if n.startswith('libnode.so')]
    for n in libs:
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(path))))  # .../root
        for d in ('usr/lib/x86_64-linux-gnu', 'lib/x86_64-linux-gnu', 'usr/lib', 'usr/lib64'):
            cand = os.path.join(root, d, n)
            if os.path.exists(cand):
                target = cand; data, hits = scan(cand); break
vers = sorted({h[0] for h in hits})
print(' '.join(vers) if vers else '-')
print(f'{os.path.basename(target)} size={len(data)} hits=' +
      ' '.join(f'{o}({s},{100 * o // len(data)}%)' for _, o, s in hits[:4]))
EOF
)
	got=$(echo "$out" | head -n 1)
	printf '%-16s %-9s got=%-9s %s\n' "$rt" "$said" "$got" "$(echo "$out" | tail -n 1)"
	[ "$got" = "$said" ] || { echo "FAIL: $rt: pattern gives '$got', binary says '$said'"; fail=1; }
done
exit $fail
