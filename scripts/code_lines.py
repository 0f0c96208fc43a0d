"""Lines of product code at git revisions: genlib/, labui/, app_pages/ (pages/ in older trees) and app.py.

    python3 scripts/code_lines.py REV [REV ...]

Prints each revision's physical lines and its code lines: lines holding a token that is neither a comment nor a
docstring (a string standing alone as a statement), so reflowed prose and blank lines do not count.
"""
import io
import subprocess
import sys
import tokenize

PRODUCT = ("genlib", "labui", "pages", "app_pages")
LAYOUT = (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER)


def code_lines(source: str) -> int:
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    lines = set()
    for i, token in enumerate(tokens):
        if token.type in LAYOUT:
            continue
        if token.type == tokenize.STRING:  # a docstring starts a statement and ends it
            before = [t for t in tokens[:i] if t.type not in (tokenize.NL, tokenize.COMMENT)]
            after = tokens[i + 1] if i + 1 < len(tokens) else None
            starts = not before or before[-1].type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT)
            if starts and after is not None and after.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                continue
        lines.update(range(token.start[0], token.end[0] + 1))
    return len(lines)


def git(*args: str) -> str:
    return subprocess.run(["git", *args], capture_output=True, text=True, check=True).stdout


def main() -> None:
    for rev in sys.argv[1:]:
        files = [f for f in git("ls-tree", "-r", "--name-only", rev).split()
                 if f.endswith(".py") and (f.split("/")[0] in PRODUCT or f == "app.py")]
        sources = [git("show", f"{rev}:{f}") for f in files]
        print(f"{rev}: {len(files)} files, {sum(len(s.splitlines()) for s in sources)} physical lines, "
              f"{sum(map(code_lines, sources))} code lines")


if __name__ == "__main__":
    main()
