# gen-items.py: lists candidate conformance items (constants, enumerators, typedefs, struct sizes, field offsets) found in Xen's headers.
"""
Developer helper for tests/abi/abi_items.def; the build never runs it.

    python3 tests/abi/gen-items.py [--version V] [--xen-include /usr/include] [--skip REGEX] HEADER...

HEADER is a path below xen/, e.g. io/blkif.h (arch-x86/xen-x86_{32,64}.h are
attributed but not included directly).  Parses Debian's libxen-dev headers with
clang (x86_64 and -m32), and prints X-macro lines (K/S/T/Z/O, see abi_items.def) per
header section: items present in both builds unguarded, the others inside
#if defined(__x86_64__) / #if defined(__i386__) blocks.  Paste what our headers must
provide into abi_items.def; function-like macros are listed as comments for manual
handling (test them with sample arguments).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

VERSION = "0x00040e00"


def clang_base(xen_inc, bits, version=VERSION):
    res = subprocess.run(["clang", "-print-resource-dir"], capture_output=True, text=True,
                         check=True).stdout.strip()
    return ["clang", "-m%d" % bits, "-ffreestanding", "-nostdinc", "-isystem",
            res + "/include", "-idirafter", xen_inc,
            "-D__XEN_INTERFACE_VERSION__=" + version]


def write_tu(headers, extra=""):
    f = tempfile.NamedTemporaryFile("w", suffix=".c", delete=False)
    f.write("#include <stddef.h>\n#include <stdint.h>\n")
    for h in headers:
        f.write("#include <xen/%s>\n" % h)
    f.write(extra)
    f.close()
    return f.name


def section_of(path, xen_root):
    rel = os.path.relpath(path, xen_root)
    return rel


def macros(base, tu, xen_root, wanted):
    out = subprocess.run(base + ["-E", "-dD", tu], capture_output=True, text=True,
                         check=True).stdout
    cur = None
    objs, funcs = [], []
    for line in out.splitlines():
        m = re.match(r'# \d+ "([^"]+)"', line)
        if m:
            cur = m.group(1)
            continue
        m = re.match(r"#define (\w+)(\(?)", line)
        if not m or cur is None or not cur.startswith(xen_root):
            continue
        sec = section_of(cur, xen_root)
        if sec not in wanted:
            continue
        name = m.group(1)
        if re.match(r"^_*XEN_PUBLIC_|_H_*$|^__XEN_PUBLIC", name):
            continue
        (funcs if m.group(2) else objs).append((sec, name))
    return objs, funcs


def compiles(base, headers, body):
    tu = write_tu(headers, body)
    r = subprocess.run(base + ["-fsyntax-only", "-w", "-Werror=gnu-folding-constant", tu],
                       capture_output=True, text=True)
    os.unlink(tu)
    bad = set(int(x) for x in re.findall(r"c_(\d+)", r.stderr))
    return r.returncode == 0, bad


def classify(base, headers, names):
    """Split object-like macro names into integer constants, strings and others."""
    ints, strs = [], []
    cand = list(range(len(names)))
    while cand:
        body = "".join("static const char c_%d[] = %s;\n" % (i, names[i]) for i in cand)
        ok, bad = compiles(base, headers, body)
        if ok:
            strs = cand
            break
        if not bad:
            break
        cand = [i for i in cand if i not in bad]
    cand = [i for i in range(len(names)) if i not in strs]
    while cand:
        body = "".join("void c_%d(unsigned long long x);\n"
                       "void c_%d(unsigned long long x) { switch (x) { case (%s) * 0 + 1: "
                       "break; } }\n" % (i, i, names[i]) for i in cand)
        ok, bad = compiles(base, headers, body)
        if ok:
            ints = cand
            break
        if not bad:
            break
        cand = [i for i in cand if i not in bad]
    return set(ints), set(strs)


def walk_fields(rec, prefix, out):
    pending = {}
    for n in rec.get("inner", []):
        if n.get("kind") == "RecordDecl" and n.get("inner"):
            pending[n["id"]] = n
        if n.get("kind") != "FieldDecl":
            continue
        name = n.get("name")
        qt = n.get("type", {}).get("qualType", "")
        inner = None
        m = re.search(r"(struct|union) (\w+::)*\((unnamed|anonymous)", qt)
        if m and "[" not in qt:
            # the unnamed record declared just before this field
            for rid in reversed(list(pending)):
                inner = pending[rid]
                break
        if not name:
            if inner is not None:
                walk_fields(inner, prefix, out)
            continue
        out.append(prefix + name)
        if inner is not None:
            walk_fields(inner, prefix + name + ".", out)


def ast_items(base, tu, xen_root, wanted, skip):
    out = subprocess.run(base + ["-Xclang", "-ast-dump=json", "-fsyntax-only", tu],
                         capture_output=True, text=True, check=True).stdout
    root = json.loads(out)
    cur = None
    items = []
    for n in root.get("inner", []):
        loc = n.get("loc", {})
        for key in ("spellingLoc", "expansionLoc"):
            if key in loc and "file" in loc[key]:
                pass
        f = loc.get("file") or loc.get("expansionLoc", {}).get("file")
        if f:
            cur = f
        if not cur or not cur.startswith(xen_root):
            continue
        sec = section_of(cur, xen_root)
        if sec not in wanted:
            continue
        kind, name = n.get("kind"), n.get("name")
        if name and skip and re.search(skip, name):
            continue
        if kind == "RecordDecl" and name and n.get("completeDefinition"):
            t = "%s %s" % (n.get("tagUsed", "struct"), name)
            items.append((sec, "Z(%s)" % t))
            fields = []
            walk_fields(n, "", fields)
            items.extend((sec, "O(%s, %s)" % (t, p)) for p in fields)
        elif kind == "EnumDecl":
            for c in n.get("inner", []):
                if c.get("kind") == "EnumConstantDecl":
                    items.append((sec, "K(%s)" % c["name"]))
        elif kind == "TypedefDecl" and name:
            qt = n.get("type", {}).get("qualType", "")
            scalar = re.match(r"^(unsigned |signed )?(char|short|int|long|long long)$|"
                              r"^u?int\d+_t$", qt)
            items.append((sec, "%s(%s)" % ("T" if scalar else "Z", name)))
    return items


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--xen-include", default="/usr/include")
    ap.add_argument("--skip", default=None, help="regex of names to leave out")
    ap.add_argument("--version", default=VERSION, help="__XEN_INTERFACE_VERSION__ to use")
    ap.add_argument("headers", nargs="+")
    a = ap.parse_args()
    xen_root = os.path.join(a.xen_include, "xen")
    wanted = set(a.headers)
    per_arch = {}
    funcs_all = []
    for bits in (64, 32):
        base = clang_base(a.xen_include, bits, a.version)
        incs = [h for h in a.headers if not re.search(r"xen-x86_(32|64)\.h$", h)]
        tu = write_tu(incs)
        objs, funcs = macros(base, tu, xen_root, wanted)
        names = [n for _, n in objs]
        ints, strs = classify(base, incs, names)
        items = []
        for i, (sec, n) in enumerate(objs):
            if a.skip and re.search(a.skip, n):
                continue
            if i in ints:
                items.append((sec, "K(%s)" % n))
            elif i in strs:
                items.append((sec, "S(%s)" % n))
        items += ast_items(base, tu, xen_root, wanted, a.skip)
        os.unlink(tu)
        per_arch[bits] = items
        if bits == 64:
            funcs_all = funcs
    for sec in a.headers:
        l64 = [x for s, x in per_arch[64] if s == sec]
        l32 = [x for s, x in per_arch[32] if s == sec]
        seen = set()
        l64 = [x for x in l64 if not (x in seen or seen.add(x))]
        s32 = set(l32)
        print("ABI_SECTION(%s)" % re.sub(r"[^A-Za-z0-9]", "_", sec))
        guard = None
        for x in l64:
            want = None if x in s32 else "__x86_64__"
            if want != guard:
                if guard:
                    print("#endif")
                if want:
                    print("#if defined(%s)" % want)
                guard = want
            print(x)
        if guard:
            print("#endif")
        only32 = [x for x in dict.fromkeys(l32) if x not in set(l64)]
        if only32:
            print("#if defined(__i386__)")
            print("\n".join(only32))
            print("#endif")
        for s, f in funcs_all:
            if s == sec:
                print("/* function-like: %s */" % f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
