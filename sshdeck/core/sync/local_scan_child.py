"""The child process of a local tree scan (local_scan.py): lists folders, lstats every entry, reports.

It runs as `python -I -S -c <this file's text>`, so it imports only what is
built in or cheap (os, marshal, re), and starts in a few milliseconds.
Its whole job is the system calls and the per-entry Python work that would
otherwise hold the parent's interpreter lock while the parent parses the
remote listing: the parent gets one ready-made dict per folder.

The rules are the in-process scan's (tree.py, LocalEndpoint.scandir): every
folder is opened from the root component by component with O_NOFOLLOW, so
a link is never followed (it is reported, not entered); a folder's names are
counted against the listing limits while they stream in; an entry that
vanished before its lstat is left out; an excluded name is neither reported
nor entered; sshdeck's own partial files are left out.

Input (stdin): one marshal'd tuple (root, folders to scan, name regex, path
regex, per-folder entry limit, per-folder name-byte limit, tree entry limit).
Output (stdout): records, each a 4-byte little-endian length and a marshal'd
tuple (parent index, name, status, detail, table, dirs, odd):

* status "ok": `table` maps each kept name to (kind code, size, mtime, mode),
  `dirs` lists the folders among them (they follow as their own records),
  `odd` the links and special files (left alone by a sync);
* "error": `detail` is (errno, strerror, failing component or b"");
* "limit": `detail` is (entries delivered, setting name).

A record's folder is its parent record's folder (by index, in output order;
-1: one of the folders asked for, `name` then being its relative path
joined with "/") plus `name`.  The last record is (-2, ...): the scan ended,
with `status` "full" when the tree entry limit stopped it.
"""

import marshal
import os
import re
import sys

FILE, DIR, LINK, OTHER = 1, 2, 3, 0
_DIR = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _open(root, rel):
    """(fd, None) or (None, (errno, strerror, component)): the in-process endpoint's `_open_dir`."""
    fd = os.open(root, _DIR)
    for name in rel:
        try:
            child = os.open(name, _DIR | _NOFOLLOW, dir_fd=fd)
        except OSError as exc:
            os.close(fd)
            return None, (exc.errno or 0, exc.strerror or str(exc), name)
        os.close(fd)
        fd = child
    return fd, None


def _over(raws, max_names, max_name_bytes):
    """(entries delivered, setting) when the names pass a listing limit (as core/fs/limits.py's tally counts), else None."""
    if len(raws) <= max_names and sum(map(len, raws)) <= max_name_bytes:
        return None
    count = size = 0
    for raw in raws:
        count += 1
        size += len(raw)
        if count > max_names or size > max_name_bytes:
            return count - 1, "listing_entries" if count > max_names else "listing_name_bytes"
    return None


def main():
    root, tops, name_re, path_re, max_names, max_name_bytes, max_tree = marshal.loads(sys.stdin.buffer.read())
    name_match = re.compile(name_re, re.DOTALL).match if name_re else None
    path_match = re.compile(path_re, re.DOTALL).match if path_re else None
    out = os.fdopen(sys.stdout.fileno(), "wb", buffering=1 << 18, closefd=False)
    dumps, lstat, encoding = marshal.dumps, os.lstat, sys.getfilesystemencoding()
    utf8 = encoding.lower().replace("-", "") == "utf8"
    total = 0
    index = 0
    # (parent index, name, relative path): a stack, so the output is depth first and the open folders few.
    pending = [(-1, b"/".join(rel), tuple(rel)) for rel in reversed(tops)]
    state = "done"

    def emit(record):
        data = dumps(record)
        out.write(len(data).to_bytes(4, "little"))
        out.write(data)

    while pending:
        parent, name, rel = pending.pop()
        here = index
        index += 1
        try:
            fd, failed = _open(root, rel)
        except OSError as exc:
            fd, failed = None, (exc.errno or 0, exc.strerror or str(exc), b"")
        if fd is None:
            emit((parent, name, "error", failed, None, None, None))
            continue
        try:
            texts = []
            with os.scandir(fd) as items:
                chars = 0
                for item in items:
                    texts.append(item.name)
                    chars += len(item.name)  # at most the bytes: the exact count follows
                    if len(texts) > max_names or chars > max_name_bytes:
                        break
            # One encode for the whole folder, not a call per name.
            raws = "\0".join(texts).encode(encoding, "surrogateescape").split(b"\0") if texts else []
            over = _over(raws, max_names, max_name_bytes)
            if over is not None:
                emit((parent, name, "limit", over, None, None, None))
                continue
            table = {}
            dirs = []
            odd = []
            prefix = "/".join(os.fsdecode(part) for part in rel) + "/" if rel else ""
            try:
                for text, raw in zip(texts, raws):
                    if name_match is not None or path_match is not None:
                        shown = text if utf8 else raw.decode("utf-8", "surrogateescape")
                        if name_match is not None and name_match(shown):
                            continue
                        if path_match is not None:
                            full = prefix + shown if utf8 else b"/".join((*rel, raw)).decode("utf-8", "surrogateescape")
                            if path_match(full):
                                continue
                    try:
                        found = lstat(raw, dir_fd=fd)
                    except FileNotFoundError:
                        continue
                    mode = found.st_mode
                    kind = mode & 0o170000
                    if kind == 0o100000:
                        if raw[:1] == b"." and raw.endswith(b".sshdeck-part"):
                            continue
                        table[raw] = (FILE, found.st_size, found.st_mtime, mode & 0o7777)
                    elif kind == 0o040000:
                        table[raw] = (DIR, found.st_size, found.st_mtime, mode & 0o7777)
                        dirs.append(raw)
                    else:
                        odd.append(raw)
            except OSError as exc:
                emit((parent, name, "error", (exc.errno or 0, exc.strerror or str(exc), b""), None, None, None))
                continue
        finally:
            os.close(fd)
        emit((parent, name, "ok", None, table, dirs, odd))
        total += len(table)
        if total > max_tree:
            state = "full"
            break
        pending.extend((here, child, rel + (child,)) for child in reversed(dirs))
    emit((-2, b"", state, None, None, None, None))
    out.flush()


if __name__ == "__main__":
    main()
