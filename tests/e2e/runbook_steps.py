"""Reads the command blocks of a generated runbook, independently of conda-systemd's own parser.

    runbook_steps.py steps RUNBOOK.md PROCEDURE      one command per record, NUL-terminated
    runbook_steps.py match RUNBOOK.md PROCEDURE N OUTPUT_FILE
                                                     exit 0 when OUTPUT_FILE shows what step N
                                                     prints (its lines in order, "…" = anything)
    runbook_steps.py procedures RUNBOOK.md           the procedure ids, one a line
"""
import re
import sys


def procedures(text):
    procs = {}
    order = []
    current = None
    fence = None
    block = []
    last_was_command = False
    for line in text.split("\n"):
        if fence is None:
            m = re.match(r"<!-- procedure: (\S+) -->$", line.strip())
            if m:
                current = m.group(1)
                procs[current] = []
                order.append(current)
                last_was_command = False
            elif line.startswith("```"):
                fence = line[3:].strip()
                block = []
        elif line.strip() == "```":
            if current is not None:
                if fence == "sh":
                    procs[current].append({"command": "\n".join(block), "prints": []})
                    last_was_command = True
                elif fence == "text" and last_was_command:
                    procs[current][-1]["prints"] = block
                    last_was_command = False
            fence = None
        else:
            block.append(line)
    return order, procs


def line_matches(pattern, line):
    regex = "^" + ".*".join(re.escape(part) for part in pattern.split("…")) + "$"
    return re.match(regex, line) is not None


def main():
    mode, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        order, procs = procedures(f.read())
    if mode == "procedures":
        print("\n".join(order))
        return 0
    steps = procs.get(sys.argv[3])
    if steps is None:
        print(f"no procedure {sys.argv[3]} in {path}", file=sys.stderr)
        return 1
    if mode == "steps":
        for s in steps:
            sys.stdout.write(s["command"] + "\0")
        return 0
    want = steps[int(sys.argv[4])]["prints"]
    with open(sys.argv[5], encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    at = 0
    for pattern in want:
        while at < len(lines) and not line_matches(pattern, lines[at]):
            at += 1
        if at == len(lines):
            print(f"missing, in this order: {pattern}", file=sys.stderr)
            return 1
        at += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
