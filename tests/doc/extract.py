#!/usr/bin/env python3
"""extract.py DOC OUTDIR - writes each shell command a document shows into
OUTDIR/NNN.sh (in document order) and prints "NNN LINE" per command.

What counts as a command (the format the docs keep to):
  README.md (markdown): every indented code block (4 spaces), unless the line
      before it is <!-- doc-commands: skip REASON -->; skipped blocks are
      printed as "skip LINE REASON".
  man pages (roff): every .EX/.EE display; file contents and output are
      shown with .nf/.fi instead.
Comment-only lines are dropped; a command continues over lines until bash
can parse it whole (backslash continuations, brace groups, quotes).
A roff escape this script does not know is an error, so a man page cannot
show a command that is run differently from how it reads.
"""
import os
import re
import subprocess
import sys

ROFF = {"-": "-", "e": "\\", "\\": "\\", "&": "", " ": " ", "(aq": "'",
        "(dq": '"', "(ti": "~", "(ha": "^", "(rs": "\\", "(em": "--",
        "(en": "-"}


def unroff(line, where):
    def sub(m):
        key = m.group(1)
        if key not in ROFF:
            sys.exit("%s: unknown roff escape \\%s in a command" % (where, key))
        return ROFF[key]
    return re.sub(r"\\(\(..|.)", sub, line)


def complete(text):
    return subprocess.run(["bash", "-n", "-c", text], stderr=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL).returncode == 0


def commands(lines):
    """lines: (lineno, text); yields (lineno, command)."""
    acc, start = [], None
    for no, text in lines:
        if not acc and (text.strip() == "" or text.lstrip().startswith("#")):
            continue
        if not acc:
            start = no
        acc.append(text)
        joined = "\n".join(acc)
        if not joined.endswith("\\") and complete(joined):
            yield start, joined
            acc = []
    if acc:
        sys.exit("line %d: command does not end: %s" % (start, acc[0]))


def markdown_blocks(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks, i, prev = [], 0, ""
    while i < len(lines):
        if lines[i].startswith("    ") and (i == 0 or lines[i - 1].strip() == ""):
            block = []
            while i < len(lines) and (lines[i].startswith("    ") or
                                      lines[i].strip() == ""):
                block.append((i + 1, lines[i][4:]))
                i += 1
            m = re.match(r"<!-- doc-commands: skip (.*) -->", prev.strip())
            blocks.append((block, m.group(1) if m else None))
            continue
        if lines[i].strip():
            prev = lines[i]
        i += 1
    return blocks


def roff_blocks(path):
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks, block = [], None
    for no, text in enumerate(lines, 1):
        if text.startswith(".EX"):
            block = []
        elif text.startswith(".EE"):
            blocks.append((block, None))
            block = None
        elif block is not None:
            if text.startswith('.\\"'):
                continue
            if text.startswith("."):
                sys.exit("%s:%d: roff request inside .EX" % (path, no))
            block.append((no, unroff(text, "%s:%d" % (path, no))))
    return blocks


def main():
    doc, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    blocks = markdown_blocks(doc) if doc.endswith(".md") else roff_blocks(doc)
    n = 0
    for block, skip in blocks:
        if skip is not None:
            print("skip %d %s" % (block[0][0], skip))
            continue
        for no, cmd in commands(block):
            n += 1
            with open(os.path.join(out, "%03d.sh" % n), "w") as f:
                f.write(cmd + "\n")
            print("%03d %d" % (n, no))


main()
