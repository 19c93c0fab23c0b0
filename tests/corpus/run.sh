#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/corpus/run.sh — unit-tls on real units: the Node.js and Bun services of the Proxmox VE
# community scripts (a corpus kept outside this repository; never copy it in).
#
#   tests/corpus/run.sh [BINARY]       (or UNIT_TLS=BINARY; default build/src/unit-tls)
#   UT_CORPUS=DIR                      the corpus (default: ../shared/corpus/real-node-units
#                                      next to the repository)
#   KEEP=1                             keep the work directory (trees, outputs) and say where
#
# For every unit in the corpus's manifest.tsv: a fresh image tree as its NAME.tree says (see
# "Image trees" below), the unit file in the directory the manifest names, and
# /etc/pve/pve-root-ca.pem, a CA certificate made with openssl once per run. Then, with
# --root on that tree, the check the corpus README states:
#   - `status NAME --json` exits 0 and reports the runtime the manifest expects;
#   - `set NAME --ca /etc/pve/pve-root-ca.pem --dry-run --json` exits 0, is not refused, has
#     no warning or error, plans /etc/systemd/system/NAME.service.d/tls.conf with
#     Environment="NODE_EXTRA_CA_CERTS=/etc/pve/pve-root-ca.pem", and prints nothing on stderr;
# and of our own: the dry run wrote nothing, and the tree is what the .tree says (every file
# owned by root, each entry with the mode the .tree says).
# One line per unit: "ok NAME" or "FAIL NAME: why", then "N passed, M failed"; exit 1 on any
# failure. Needs root (the tree must be root-owned), python3 and openssl; without them, or
# without the corpus, it skips (77), except under CI=true, where a skip is a failure.
#
# Image trees. unit-tls decides the runtime from the name of what ExecStart= runs (after
# wrappers such as `env`), else from the file it runs: the #! line, the commands of a shell
# script (one script deeper at most), an ELF's section names (src/trust/runtime.c); it stats
# the node binary for setuid bits and file capabilities. Stand-ins are still
# realistic: every binary is a copy of a real ELF executable (/usr/bin/true), every npm CLI
# a JS file with npm's `#!/usr/bin/env node`, each under the name and path the real package
# uses. The base image is a merged-/usr Debian 12: /bin, /sbin, /lib, /lib64 are symlinks
# into /usr, with sh (-> dash), dash, bash, env, mkdir and true. The .tree lines:
#   # ...                    a comment
#   nodesource               NodeSource's nodejs deb, plus npm -g pnpm and yarn: /usr/bin/node
#                            (ELF), /usr/bin/{npm,npx,corepack,pnpm,pnpx,yarn,yarnpkg} symlinks
#                            to the JS files under /usr/lib/node_modules
#   npmglobal BIN PKG/FILE   npm -g: /usr/lib/node_modules/PKG/FILE (a node script, 0755) and
#                            /usr/bin/BIN -> ../lib/node_modules/PKG/FILE
#   exe PATH                 an ELF executable, 0755
#   nodescript PATH          a JS file with `#!/usr/bin/env node`, 0755 (npm and pnpm make
#                            the files a package's "bin" names executable)
#   link PATH TARGET         a symbolic link PATH -> TARGET, as written
#   dir PATH                 a directory, 0755; one the base image has keeps its mode (/root)
#   user NAME UID            a system user NAME, UID, its own group with GID = UID, no home
#   file MODE PATH           a file with octal MODE, its content the `|` lines that follow
#                            (`|text` is the line "text", a lone `|` an empty line)
# Directories the entries need are made 0755, except the base image's /root (0700) and /tmp
# (1777).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
CORPUS=${UT_CORPUS:-$TOP/../shared/corpus/real-node-units}
PY=python3
CA_PATH=/etc/pve/pve-root-ca.pem
ELF=/usr/bin/true
# This machine exports SSL_CERT_FILE, NODE_EXTRA_CA_CERTS and friends globally: every tool
# (openssl, unit-tls) runs with this clean environment instead.
CLEAN_ENV=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TZ=UTC
        "ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}"
        "UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}"
        ${LSAN_OPTIONS:+"LSAN_OPTIONS=$LSAN_OPTIONS"})

# skip WHY: the prerequisites are missing (77), or a failure under CI=true.
skip() {
        if [[ ${CI:-} == true ]]; then
                printf 'FAIL corpus: %s (CI=true: not skipping)\n0 passed, 1 failed\n' "$1"
                exit 1
        fi
        printf 'skip corpus (%s)\n0 passed, 0 failed\n' "$1"
        exit 77
}

BIN=${1:-${UNIT_TLS:-$TOP/build/src/unit-tls}}
if [[ ! -x $BIN && -z ${1:-} && -z ${UNIT_TLS:-} && -d $TOP/build ]]; then
        BIN=$(find "$TOP/build" -name unit-tls -type f -perm -u+x -print -quit)
fi
[[ $BIN == /* ]] || BIN=$PWD/$BIN
if [[ ! -x $BIN ]]; then
        echo "FAIL setup: ${BIN:-unit-tls} is not an executable (build it: ninja -C build)" >&2
        echo "0 passed, 1 failed"
        exit 1
fi
[[ -f $CORPUS/manifest.tsv ]] || skip "no corpus at $CORPUS (set UT_CORPUS)"
CORPUS=$(cd "$CORPUS" && pwd)
((EUID == 0)) || skip "needs root: the image trees must be owned by root"
command -v "$PY" > /dev/null || skip "python3 is missing"
command -v openssl > /dev/null || skip "openssl is missing"
[[ $(head -c 4 "$ELF" | od -An -c | tr -d ' ') == 177ELF ]] || skip "$ELF is not an ELF executable"

umask 022
WORK=$(mktemp -d /tmp/unit-tls-corpus.XXXXXX)
chmod 755 "$WORK"
if [[ ${KEEP:-0} == 1 ]]; then
        trap 'echo "# kept $WORK" >&2' EXIT
else
        trap 'rm -rf -- "$WORK"' EXIT
fi
RES=$WORK/results          # per unit: NAME.{status,set}.{out,err,rc}, NAME.expect, NAME.setup
mkdir "$RES"

# ------------------------------------------------------------- the CA, once --

# A Proxmox-like root CA (what /etc/pve/pve-root-ca.pem is), valid from now for ten years.
"${CLEAN_ENV[@]}" openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$WORK/ca.key" -out "$WORK/ca.pem" -days 3650 \
        -subj "/CN=Proxmox Virtual Environment/OU=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')/O=PVE Cluster Manager CA" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2> "$WORK/openssl.err" ||
        { cat "$WORK/openssl.err" >&2; echo "FAIL setup: openssl could not make the CA"; echo "0 passed, 1 failed"; exit 1; }

# ------------------------------------------------------------ base images --

# elf PATH: a real ELF executable at PATH (in the tree being built, parents made), 0755.
elf() { install -D -m 0755 -- "$ELF" "$1"; }

# jsfile PATH: a JS file as npm installs a package's CLI (parents made), 0755.
printf '#!/usr/bin/env node\n// stand-in: a package'"'"'s CLI\n' > "$WORK/cli.js"
jsfile() { install -D -m 0755 -- "$WORK/cli.js" "$1"; }

# The Debian 12 base every tree starts from.
B=$WORK/base
mkdir -p "$B"/usr/{bin,sbin,lib,lib64} "$B"/etc/systemd/system "$B"/usr/lib/systemd/system \
        "$B"/etc/pve "$B"/run "$B"/var/lib "$B"/opt "$B"/home "$B"/srv "$B"/data
mkdir -m 0700 "$B/root"
mkdir -m 1777 "$B/tmp"
ln -s usr/bin "$B/bin"
ln -s usr/sbin "$B/sbin"
ln -s usr/lib "$B/lib"
ln -s usr/lib64 "$B/lib64"
for p in dash bash env mkdir true; do elf "$B/usr/bin/$p"; done
ln -s dash "$B/usr/bin/sh"
cat > "$B/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat > "$B/etc/group" <<'EOF'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
www-data:x:33:
users:x:100:
nogroup:x:65534:
EOF
install -m 0644 "$WORK/ca.pem" "$B$CA_PATH"

# NodeSource's nodejs deb (node, npm, npx, corepack) and `npm install -g pnpm yarn`.
N=$WORK/nodesource
NM=$N/usr/lib/node_modules
elf "$N/usr/bin/node"
for f in npm/bin/npm-cli.js npm/bin/npx-cli.js corepack/dist/corepack.js pnpm/bin/pnpm.cjs \
        pnpm/bin/pnpx.cjs yarn/bin/yarn.js; do
        jsfile "$NM/$f"
done
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$N/usr/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$N/usr/bin/npx"
ln -s ../lib/node_modules/corepack/dist/corepack.js "$N/usr/bin/corepack"
ln -s ../lib/node_modules/pnpm/bin/pnpm.cjs "$N/usr/bin/pnpm"
ln -s ../lib/node_modules/pnpm/bin/pnpx.cjs "$N/usr/bin/pnpx"
ln -s ../lib/node_modules/yarn/bin/yarn.js "$N/usr/bin/yarn"
ln -s ../lib/node_modules/yarn/bin/yarn.js "$N/usr/bin/yarnpkg"
# Most trees start with `nodesource`: a template with both, copied in one go.
BN=$WORK/base+nodesource
cp -a "$B" "$BN"
cp -a "$N/." "$BN/"

# ------------------------------------------------------------- tree builder --

# build_tree NAME UNITDIR T: the image tree of unit NAME in T (which does not exist yet).
# Records what the .tree asks for in $RES/NAME.expect ("TYPE MODE-or-TARGET PATH", one a line,
# for the checker) and returns 1 with a reason in $RES/NAME.setup when the .tree cannot be
# followed.
build_tree() {
        local name=$1 unitdir=$2 T=$3 expect=$RES/$1.expect setup=$RES/$1.setup
        local line kw a b cur="" curmode="" n=0 ns=0
        # `nodesource` anywhere adds only files of its own: start from the template that has them
        if grep -q -x nodesource "$CORPUS/$name.tree"; then
                cp -a "$BN" "$T"
                ns=1
        else
                cp -a "$B" "$T"
        fi
        : > "$expect"
        # finish the `file` whose content lines have been read
        flush() {
                if [[ -n $cur ]]; then
                        chmod "$curmode" -- "$T$cur"
                        printf 'f %s %s\n' "$curmode" "$cur" >> "$expect"
                        cur=""
                fi
        }
        # parent PATH: the directories PATH needs
        parent() { mkdir -p -- "$T$(dirname -- "$1")"; }
        while IFS= read -r line || [[ -n $line ]]; do
                n=$((n + 1))
                if [[ $line == '|'* ]]; then
                        [[ -n $cur ]] || { echo "line $n: content with no file before it" > "$setup"; return 1; }
                        printf '%s\n' "${line:1}" >> "$T$cur"
                        continue
                fi
                flush
                [[ -z $line || $line == '#'* ]] && continue
                read -r kw a b <<< "$line"
                case $kw in
                nodesource)
                        ((ns)) || { echo "line $n: bad nodesource: $line" > "$setup"; return 1; }
                        ;;
                npmglobal)
                        [[ -n $a && $b == */* ]] || { echo "line $n: bad npmglobal: $line" > "$setup"; return 1; }
                        jsfile "$T/usr/lib/node_modules/$b"
                        ln -s -- "../lib/node_modules/$b" "$T/usr/bin/$a"
                        printf 'f 0755 %s\nl %s %s\n' "/usr/lib/node_modules/$b" "../lib/node_modules/$b" "/usr/bin/$a" >> "$expect"
                        ;;
                exe)
                        [[ $a == /* ]] || { echo "line $n: bad exe: $line" > "$setup"; return 1; }
                        elf "$T$a"
                        printf 'f 0755 %s\n' "$a" >> "$expect"
                        ;;
                nodescript)
                        [[ $a == /* ]] || { echo "line $n: bad nodescript: $line" > "$setup"; return 1; }
                        jsfile "$T$a"
                        printf 'f 0755 %s\n' "$a" >> "$expect"
                        ;;
                link)
                        [[ $a == /* && -n $b ]] || { echo "line $n: bad link: $line" > "$setup"; return 1; }
                        parent "$a"
                        ln -s -- "$b" "$T$a"
                        printf 'l %s %s\n' "$b" "$a" >> "$expect"
                        ;;
                dir)
                        [[ $a == /* ]] || { echo "line $n: bad dir: $line" > "$setup"; return 1; }
                        # a directory the base image has keeps its mode (/root: 0700)
                        if [[ -d $B$a ]]; then
                                printf 'd base %s\n' "$a" >> "$expect"
                        else
                                mkdir -p -- "$T$a"
                                printf 'd 0755 %s\n' "$a" >> "$expect"
                        fi
                        ;;
                user)
                        [[ $a =~ ^[a-z_][a-z0-9_-]*$ && $b =~ ^[0-9]+$ ]] ||
                                { echo "line $n: bad user: $line" > "$setup"; return 1; }
                        printf '%s:x:%s:%s::/nonexistent:/usr/sbin/nologin\n' "$a" "$b" "$b" >> "$T/etc/passwd"
                        printf '%s:x:%s:\n' "$a" "$b" >> "$T/etc/group"
                        printf 'u %s %s\n' "$b" "$a" >> "$expect"
                        ;;
                file)
                        [[ $a =~ ^[0-7]{3,4}$ && $b == /* ]] || { echo "line $n: bad file: $line" > "$setup"; return 1; }
                        parent "$b"
                        : > "$T$b"
                        cur=$b curmode=$(printf '%04o' "$((8#$a))")
                        ;;
                *)
                        echo "line $n: unknown entry '$kw'" > "$setup"
                        return 1
                        ;;
                esac
        done < "$CORPUS/$name.tree"
        flush
        mkdir -p -- "$T$unitdir"
        install -m 0644 -- "$CORPUS/$name.service" "$T$unitdir/$name.service"
        printf 'f 0644 %s\n' "$unitdir/$name.service" >> "$expect"
}

# ------------------------------------------------------------------- runner --

# ut NAME WHAT ARGS...: run unit-tls; $RES/NAME.WHAT.{out,err,rc}.
ut() {
        local name=$1 what=$2 rc=0
        shift 2
        "${CLEAN_ENV[@]}" "$BIN" "$@" > "$RES/$name.$what.out" 2> "$RES/$name.$what.err" || rc=$?
        echo "$rc" > "$RES/$name.$what.rc"
}

# one_unit NAME UNITDIR: build the tree, run unit-tls twice; everything goes to $RES.
one_unit() {
        local name=$1 unitdir=$2 T=$WORK/trees/$1 rc=0
        if [[ ! -f $CORPUS/$name.tree || ! -f $CORPUS/$name.service ]]; then
                echo "$name.tree or $name.service missing from the corpus" > "$RES/$name.setup"
                return 0
        fi
        # not under `if`, where bash would ignore set -e inside build_tree
        set +e
        (set -e; build_tree "$name" "$unitdir" "$T")
        rc=$?
        set -e
        if ((rc != 0)); then
                [[ -s $RES/$name.setup ]] || echo "building the tree failed (exit status $rc)" > "$RES/$name.setup"
                return 0
        fi
        ut "$name" status --root="$T" status "$name" --json
        ut "$name" set --root="$T" set "$name" --ca "$CA_PATH" --dry-run --json
        # the dry run must not have written anything
        if [[ -e $T/etc/systemd/system/$name.service.d ]]; then
                echo "the dry run created /etc/systemd/system/$name.service.d" > "$RES/$name.wrote"
        fi
        return 0
}

# The units run JOBS at a time (default: one per CPU); results are read in manifest order.
JOBS=${JOBS:-$(nproc)}
mkdir "$WORK/trees"
NAMES=() running=0
while IFS=$'\t' read -r name _ _ _ unitdir _; do
        [[ -z $name || $name == '#'* ]] && continue
        NAMES+=("$name")
        if ((running >= JOBS)); then
                wait -n || true
                running=$((running - 1))
        fi
        one_unit "$name" "$unitdir" &
        running=$((running + 1))
done < "$CORPUS/manifest.tsv"
wait

((${#NAMES[@]} > 0)) || { echo "FAIL corpus: no units in $CORPUS/manifest.tsv"; echo "0 passed, 1 failed"; exit 1; }

# One pass of python over every unit's results and tree.
"$PY" - "$CORPUS/manifest.tsv" "$RES" "$WORK/trees" "$CA_PATH" "$B" <<'PYEOF'
import json, os, stat, sys

manifest, res, trees, ca, base = sys.argv[1:6]
want_line = 'Environment="NODE_EXTRA_CA_CERTS=%s"' % ca

def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""

def short(text, n=300):
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "..."

def result(name, what):
    """rc, stdout, stderr of one unit-tls run, and its one unit of {"units": [...]} (or None)."""
    p = os.path.join(res, "%s.%s." % (name, what))
    rc, out, err = read(p + "rc").strip(), read(p + "out"), read(p + "err")
    try:
        units = json.loads(out)["units"]
        assert len(units) == 1 and units[0]["unit"] == name + ".service"
        return rc, out, err, units[0]
    except (ValueError, KeyError, TypeError, AssertionError):
        return rc, out, err, None

def findings(u, severities):
    return ["%s %s: %s" % (f.get("severity"), f.get("code"), short(f.get("message", ""), 200))
            for f in u.get("findings") or [] if f.get("severity") in severities]

def check_tree(name, errs):
    root = os.path.join(trees, name)
    for d, dirs, files in os.walk(root):       # every entry belongs to root
        for e in [d] + [os.path.join(d, x) for x in dirs + files]:
            st = os.lstat(e)
            if st.st_uid != 0 or st.st_gid != 0:
                errs.append("tree: %s owned by %d:%d, not root" % (e[len(root):] or "/", st.st_uid, st.st_gid))
                return
    passwd = {f[0]: f[2] for f in (l.split(":") for l in read(os.path.join(root, "etc/passwd")).splitlines())
              if len(f) > 2}
    for line in read(os.path.join(res, name + ".expect")).splitlines():
        kind, what, path = line.split(" ", 2)
        if kind == "u":
            if passwd.get(path) != what:
                errs.append("tree: user %s (%s) missing from /etc/passwd" % (path, what))
            continue
        host = root + path
        try:
            st = os.lstat(host)
        except FileNotFoundError:
            errs.append("tree: %s missing" % path)
            continue
        if kind == "l":
            if not stat.S_ISLNK(st.st_mode) or os.readlink(host) != what:
                errs.append("tree: %s is not a link to %s" % (path, what))
        elif not (stat.S_ISDIR if kind == "d" else stat.S_ISREG)(st.st_mode):
            errs.append("tree: %s is not a %s" % (path, "directory" if kind == "d" else "regular file"))
        else:
            if what == "base":     # a directory of the base image: the mode it has there
                what = "%04o" % stat.S_IMODE(os.lstat(base + path).st_mode)
            if stat.S_IMODE(st.st_mode) != int(what, 8):
                errs.append("tree: %s has mode %04o, not %s" % (path, stat.S_IMODE(st.st_mode), what))

passed = failed = 0
for line in open(manifest, encoding="utf-8"):
    if not line.strip() or line.startswith("#"):
        continue
    cols = line.rstrip("\n").split("\t")
    name, want_rt = cols[0], cols[2]
    errs = []
    setup = read(os.path.join(res, name + ".setup"))
    if setup:
        errs.append("setup: " + setup.strip())
    else:
        check_tree(name, errs)
        # status NAME --json: exit 0, the expected runtime
        rc, out, err, u = result(name, "status")
        if u is None:
            errs.append("status: exit %s, no JSON document for %s.service: %s" % (rc, name, short(out + err, 200)))
        else:
            if u.get("runtime") != want_rt:
                errs.append("status: runtime %s, expected %s" % (u.get("runtime"), want_rt))
            if rc != "0":
                errs.append("status: exit %s, verdict %s (%s)" % (rc, u.get("verdict"),
                            "; ".join(findings(u, ("error", "warning", "info")))))
        # set NAME --ca CA --dry-run --json: exit 0, not refused, no warning or error, the
        # drop-in planned with the line, nothing on stderr, nothing written
        rc, out, err, u = result(name, "set")
        if rc != "0":
            errs.append("set: exit %s" % rc)
        if err:
            errs.append("set: stderr: " + short(err, 100))
        if u is None:
            errs.append("set: no JSON document for %s.service: %s" % (name, short(out, 200)))
        else:
            dropin = "/etc/systemd/system/%s.service.d/tls.conf" % name
            diff = u.get("diff") or ""
            if u.get("refused") is not False:
                errs.append("set: refused")
            errs.extend("set: " + f for f in findings(u, ("error", "warning")))
            if u.get("dropin") != dropin or "write" not in (u.get("actions") or []):
                errs.append("set: plans %s %s, not write %s" % (u.get("actions"), u.get("dropin"), dropin))
            elif "+++ %s\n" % dropin not in diff or "\n+%s\n" % want_line not in diff:
                errs.append("set: the diff does not add %s to %s: %s" % (want_line, dropin, short(diff, 200)))
        wrote = read(os.path.join(res, name + ".wrote"))
        if wrote:
            errs.append("set: " + wrote.strip())
    if errs:
        failed += 1
        print("FAIL %s: %s" % (name, "; ".join(errs)))
    else:
        passed += 1
        print("ok %s" % name)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PYEOF
