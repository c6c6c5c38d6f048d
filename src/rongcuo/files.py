"""Output files: every file a command writes is checked before any work is done, then written
whole or not at all.

::

    check_file(path)    before the work: refuse a folder (RC305), a symbolic link (RC306), a
                        device, FIFO or socket (RC307), a place that cannot be written (RC308)
    check_folder(path)  the same for a folder that will hold outputs (memo -o DIR/, --copy)
    refuse_same(path, inputs)   the output is one of the inputs (RC309), also through a link
    write_file(path, data)      temporary file in the same folder, fsync, rename, fsync folder

A symbolic link is refused rather than followed or replaced: a rename over it would silently
turn the link into a regular file, and writing through it would put the output somewhere the
user did not name. A folder given as an output *folder* may be a link to a folder: the files
are written inside it, never over it.

All errors are :class:`OutputError`, an :class:`InputError` with one located, bilingual
diagnostic, so every command reports them as it reports bad input (exit 1).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from rongcuo.errors import Diagnostic, InputError, Location
from rongcuo.ruleset.document import file_kind


class OutputError(InputError):
    """An output file or folder cannot be written as asked (RC305–RC309)."""


def output_error(code: str, path: Path | str, zh: str, en: str, hint: str) -> OutputError:
    """One bilingual :class:`OutputError` located at ``path``."""
    return OutputError([Diagnostic(code, Location(str(path)), zh, en, hint)])


def check_file(path: Path | str) -> None:
    """Refuse, before any work, to write the file ``path``: a folder (RC305), a symbolic link
    (RC306), a device, FIFO or socket (RC307), or a place this process cannot write (RC308).
    A file that does not exist yet is fine when its folder can be created or written."""
    path = Path(path)
    try:
        st = path.lstat()
    except FileNotFoundError:
        _check_folder_writable(path.parent, path)
        return
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    if stat.S_ISLNK(st.st_mode):
        raise output_error(
            "RC306",
            path,
            f"输出位置 {path} 是一个符号链接（指向 {os.readlink(path)}），为免写到别处或把链接"
            "换成普通文件，不写入",
            f"the output {path} is a symbolic link (to {os.readlink(path)}); it is not followed "
            "nor replaced",
            "给出链接所指的真实路径，或另选一个文件名 give the real path, or another name",
        )
    if stat.S_ISDIR(st.st_mode):
        raise output_error(
            "RC305",
            path,
            f"输出位置 {path} 是一个文件夹，这里需要一个文件",
            f"the output {path} is a folder; a file is expected here",
            f"写出文件名，例如 {path / 'out'} give a file name inside it",
        )
    if not stat.S_ISREG(st.st_mode):
        zh, en = file_kind(st.st_mode)
        raise output_error(
            "RC307",
            path,
            f"输出位置 {path} 是{zh}，不是普通文件，不写入",
            f"the output {path} is {en}, not a regular file; nothing is written to it",
            "另选一个普通文件作输出 choose a regular file",
        )
    if not os.access(path, os.W_OK):
        raise output_error(
            "RC308",
            path,
            f"输出文件 {path} 是只读的，无法写入",
            f"the output file {path} is read-only",
            "检查文件权限，或另选一个输出位置 check its permissions, or write elsewhere",
        )
    _check_folder_writable(path.parent, path)


def check_folder(path: Path | str) -> None:
    """Refuse, before any work, to write files into the folder ``path``: an existing file that
    is not a folder (RC305), or a folder this process cannot create or write (RC308). A link
    to a folder is a folder here: outputs go inside it."""
    path = Path(path)
    if path.is_dir():
        if not os.access(path, os.W_OK | os.X_OK):
            raise _read_only(path, path)
        return
    if path.exists() or path.is_symlink():
        raise output_error(
            "RC305",
            path,
            f"输出位置 {path} 已存在且不是文件夹，这里需要一个文件夹",
            f"the output {path} exists and is not a folder; a folder is expected here",
            "另选一个文件夹，或删去该文件 choose a folder, or remove the file",
        )
    _check_folder_writable(path.parent, path)


def ensure_folder(path: Path | str) -> Path:
    """:func:`check_folder`, then create the folder (and its parents) if needed."""
    path = Path(path)
    check_folder(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    return path


def refuse_same(path: Path | str, inputs: Iterable[Path | str]) -> None:
    """RC309 when ``path`` is the same file as one of ``inputs`` (compared by device and inode,
    so a link or another spelling of the path is caught too)."""
    path = Path(path)
    for source in inputs:
        try:
            same = os.path.samefile(path, source)
        except OSError:  # one of them does not exist: not the same file
            continue
        if same:
            raise output_error(
                "RC309",
                path,
                f"输出文件 {path} 就是输入 {source}：写入会毁掉输入",
                f"the output {path} is the input {source}: writing it would destroy the input",
                "另选一个输出文件 give another output file",
            )


def write_file(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` after :func:`check_file`: through a temporary file in the same
    folder, fsync, rename, fsync of the folder. A reader sees the old file or the whole new one;
    a failure (disk full, permissions) leaves the old file and no temporary behind (RC308)."""
    path = Path(path)
    check_file(path)
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:200]}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    try:
        mask = os.umask(0)
        os.umask(mask)
        os.fchmod(fd, 0o666 & ~mask)  # mkstemp makes the file private; keep the usual mode
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _cannot_write(path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    sync_folder(folder)


def sync_folder(folder: Path | str) -> None:
    """fsync a folder, so that a file just created or renamed in it survives a power cut."""
    with contextlib.suppress(OSError):  # some filesystems cannot fsync a folder; not fatal
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def cannot_write(path: Path | str, exc: OSError) -> OutputError:
    """RC308 for an ``OSError`` met while writing ``path`` (disk full, read-only, permissions)."""
    return _cannot_write(Path(path), exc)


def _check_folder_writable(folder: Path, target: Path) -> None:
    # The nearest folder that exists must be a folder we may write: the output (or the folders
    # leading to it) will be created there.
    here = folder if str(folder) else Path(".")
    while not here.exists() and here != here.parent:
        here = here.parent
    if not here.is_dir():
        raise output_error(
            "RC305",
            target,
            f"无法在 {here} 下创建 {target}：{here} 不是文件夹",
            f"cannot create {target}: {here} is not a folder",
            "检查输出路径 check the output path",
        )
    if not os.access(here, os.W_OK | os.X_OK):
        raise _read_only(here, target)


def _read_only(folder: Path, target: Path) -> OutputError:
    return output_error(
        "RC308",
        target,
        f"无法写入 {target}：文件夹 {folder} 不可写（只读或没有权限）",
        f"cannot write {target}: the folder {folder} is not writable (read-only or no permission)",
        "检查文件夹权限，或另选一个输出位置 check its permissions, or write elsewhere",
    )


def _cannot_write(path: Path, exc: OSError) -> OutputError:
    why = exc.strerror or str(exc)
    return output_error(
        "RC308",
        path,
        f"无法写入 {path}：{why}",
        f"cannot write {path}: {why}",
        "检查磁盘空间、权限，或另选一个输出位置 check free space and permissions, or write elsewhere",
    )


# Characters no file name may hold on Linux, Windows or macOS, and names Windows reserves.
_FORBIDDEN = frozenset('/\\<>:"|?*')
_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{i}" for i in range(1, 10)]
    + [f"LPT{i}" for i in range(1, 10)]
)
NAME_BYTES = 200  # of the 255 a file name may have: room for a suffix and a "~2"


def safe_name(text: str, fallback: str = "case") -> str:
    """``text`` (a case id) as a file name that stays in its folder on any system: Chinese and
    other letters kept; path separators, characters Windows forbids, control and format
    characters replaced by ``_``; no leading dot or space (no hidden file, no ``..``), no
    trailing dot or space; at most :data:`NAME_BYTES` bytes of UTF-8; ``fallback`` when nothing
    is left; a Windows device name (``CON``, ``NUL`` …) prefixed with ``_``."""
    chars = [
        "_" if c in _FORBIDDEN or unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") else c
        for c in unicodedata.normalize("NFC", text)
    ]
    name = "".join(chars).lstrip(". ").rstrip(". ")
    while len(name.encode()) > NAME_BYTES:
        name = name[:-1]
    name = name.rstrip(". ") or fallback
    if name.split(".")[0].upper() in _RESERVED:
        name = "_" + name
    return name
