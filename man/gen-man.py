#!/usr/bin/env python3
"""Man pages (man(7) roff) from the built programs' own --help, so they never drift.

gen-man.py BERTH BERTH_RUNTIME OUTDIR CMD...: berth.1, berth-CMD.1 for each CMD
(a command with subcommands gets each one's --help as a section) and
berth-runtime.1 (its commands' usage lines too). The command list comes from
cmd/berth/main.c (meson reads it); a command berth no longer knows fails the
build."""
import os
import re
import subprocess
import sys

import time
DATE = time.strftime("%Y-%m-%d", time.gmtime(int(os.environ.get("SOURCE_DATE_EPOCH", time.time()))))


def run(argv):
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       env=dict(os.environ, BERTH_ROOT="/nonexistent", BERTH_RUNROOT="/nonexistent"))
    return p.stdout


def esc(s):
    s = s.replace("\\", "\\e").replace("-", "\\-")
    return re.sub(r"^([.'])", r"\\&\1", s)


def parse(text):
    """Usage line, description paragraph, and sections of "  item   text" entries."""
    lines = text.rstrip("\n").split("\n")
    usage, desc, sections, cur, trailer = "", [], [], None, []
    for ln in lines:
        m = re.match(r"^[Uu]sage:\s+(.*)$", ln)
        if m and not usage:
            usage = m.group(1)
            continue
        m = re.match(r"^([A-Za-z][A-Za-z ]*):$", ln)
        if m:
            cur = (m.group(1).upper(), [])
            sections.append(cur)
            continue
        if cur is None:
            if ln.strip():
                desc.append(ln.strip())
            continue
        if not ln.strip():
            continue
        m = re.match(r"^\s+(\S.*?)(?:\s{2,}(\S.*))?$", ln)
        if ln.startswith("  ") and m:
            if not ln.startswith("   ") or ln.lstrip().startswith("-"):
                cur[1].append([m.group(1), m.group(2) or ""])
            elif cur[1]:
                cur[1][-1][1] += " " + ln.strip()
        else:
            trailer.append(ln.strip())
    return usage, desc, sections, trailer


def body(text, heading_level="SH", prefix=""):
    usage, desc, sections, trailer = parse(text)
    out = []
    if usage:
        out.append(f".{heading_level} {esc(prefix + 'SYNOPSIS') if prefix else 'SYNOPSIS'}")
        out.append(f".B {esc(usage)}")
    if desc:
        out.append(f".{heading_level} {esc(prefix + 'DESCRIPTION') if prefix else 'DESCRIPTION'}")
        out.append(esc(" ".join(desc)))
    for name, items in sections:
        out.append(f".{heading_level} {esc(prefix + name)}")
        for item, help_ in items:
            out.append(".TP")
            out.append(f".B {esc(item)}")
            out.append(esc(help_) if help_ else ".")
    if trailer:
        out.append(".PP")
        out.append(esc(" ".join(trailer)))
    return out, usage, desc, sections


def page(name, summary, lines, see_also, version):
    head = [f'.TH "{name.upper()}" 1 "{DATE}" "berth {version}" "User Commands"',
            ".SH NAME", f"{esc(name)} \\- {esc(summary)}"]
    tail = [".SH SEE ALSO", ", ".join(f"\\fB{esc(s)}\\fR(1)" for s in see_also)]
    return "\n".join(head + lines + tail) + "\n"


def main():
    berth, runtime, outdir, cmds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    os.makedirs(outdir, exist_ok=True)
    version = run([berth, "--version"]).strip().split()[-1]
    # berth.1
    lines, _, desc, sections = body(run([berth, "--help"]))
    known = [i[0] for n, items in sections if n == "COMMANDS" for i in items]
    missing = [c for c in cmds if c not in known]
    if missing:
        sys.exit(f"gen-man: berth --help does not list {missing}: main.c and meson disagree")
    with open(os.path.join(outdir, "berth.1"), "w") as f:
        f.write(page("berth", desc[0] if desc else "container engine", lines,
                     ["berth-" + c for c in cmds] + ["berth-runtime"], version))
    for c in cmds:
        text = run([berth, c, "--help"])
        lines, usage, desc, sections = body(text)
        for n, items in sections:
            if n != "COMMANDS":
                continue
            for sub, _ in items:
                subtext = run([berth, c, sub.split()[0], "--help"])
                if not subtext.startswith("Usage:"):
                    continue
                sublines, _, _, _ = body(subtext,
                                         prefix=f"{c.upper()} {sub.split()[0].upper()}: ")
                lines += sublines
        summary = desc[0] if desc else c
        with open(os.path.join(outdir, f"berth-{c}.1"), "w") as f:
            f.write(page(f"berth-{c}", summary, lines, ["berth"], version))
    # berth-runtime.1: its --help, then each command's usage line
    text = run([runtime, "--help"])
    lines, usage, desc, sections = body(text)
    for n, items in sections:
        if n != "COMMANDS":
            continue
        lines.append(".SH COMMAND USAGE")
        for sub, _ in items:
            u = run([runtime, sub, "--help"]).strip().split("\n")[0]
            if not u.lower().startswith("usage:"):
                continue
            u = re.sub(r"^usage:\s*", "", u)
            lines += [".TP", f".B {esc(sub)}", esc(u)]
    with open(os.path.join(outdir, "berth-runtime.1"), "w") as f:
        f.write(page("berth-runtime", desc[0] if desc else "OCI runtime", lines, ["berth"], version))


main()
