"""Batch output: the JSON Lines file of records, appended exactly once across crashes and
re-runs, and the run file beside it that records the options the records were made with.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

from ._errors import Diagnostic, InputError, Location, RongcuoError
from ._yaml import load_text

SYNC_EVERY = 100  # records between fsyncs: a power cut loses at most these, and they re-run
# How every record starts; lines before the last are only read this far.
_HEAD = re.compile(
    rb'\{\s*"key"\s*:\s*("(?:[^"\\]|\\.)*")\s*,\s*'
    rb'(?:"case_id"\s*:\s*"(?:[^"\\]|\\.)*"\s*,\s*"outcome"\s*:\s*"(\w+)"|"error"\s*:)'
)


class ResultLog:
    """The output file: the keys already written, and appends never torn nor repeated.

    Opened with ``O_APPEND`` under an exclusive ``flock``; a record is one ``os.write`` of a
    whole line; ``fsync`` every ``sync_every`` records and on close.
    """

    def __init__(self, path: Path, sync_every: int = SYNC_EVERY) -> None:
        self.path, self.sync_every, self._unsynced = path, sync_every, 0
        path.parent.mkdir(parents=True, exist_ok=True)
        created = not path.exists()
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            raise RongcuoError(
                f"{path}：另一个批量任务正在写入 another batch is writing it"
            ) from None
        if created:  # make the new directory entry durable too
            folder = os.open(path.parent, os.O_RDONLY)
            os.fsync(folder)
            os.close(folder)
        #: key → outcome (None for an error record) of each record already in the file
        self.done: dict[str, str | None] = {}
        #: bytes cut off the end: a torn last line left by a crash (0 when none)
        self.repaired = self._scan()

    def _scan(self) -> int:
        offset, last, bad = 0, None, None  # last: (key, start, line); bad: (number, start)
        with open(self._fd, "rb", closefd=False) as f:
            for number, raw in enumerate(f, 1):
                if bad is not None:  # a line that is not a record, and not the last one
                    raise InputError([_not_a_record(str(self.path), bad[0])])
                match = _HEAD.match(raw) if raw.endswith(b"\n") else None
                if match is None:
                    bad = (number, offset)
                elif (key := json.loads(match[1])) not in self.done:
                    self.done[key] = match[2].decode() if match[2] else None
                    last = (key, offset, raw)
                offset += len(raw)
        cut = bad[1] if bad else None
        if cut is None and last is not None:
            try:  # the last line may be torn yet look whole (a crash can leave zeroes)
                json.loads(last[2])
            except ValueError:
                cut = last[1]
                del self.done[last[0]]
        if cut is None:
            return 0
        os.ftruncate(self._fd, cut)
        os.fsync(self._fd)
        return offset - cut

    def append(self, line: bytes) -> None:
        """Append one record, a whole line ending in a newline: one write (looping only on a
        short write)."""
        view = memoryview(line)
        while view:
            view = view[os.write(self._fd, view) :]
        self._unsynced += 1
        if self._unsynced >= self.sync_every:
            self.sync()

    def sync(self) -> None:
        os.fsync(self._fd)
        self._unsynced = 0

    def close(self) -> None:
        """fsync, then close (which releases the lock)."""
        if self._fd >= 0:
            try:
                self.sync()
            finally:
                os.close(self._fd)
                self._fd = -1

    def __enter__(self) -> ResultLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _not_a_record(path: str, line: int) -> Diagnostic:
    return Diagnostic(
        "RC001",
        Location(path, line, 1),
        "不是 rongcuo batch 的输出记录（只有最后一行可能是中断写入的残行）",
        "not a rongcuo batch record (only the last line may be torn by a crash)",
        "-o 是否指错了文件？ is -o the right file?",
    )


# --- the run file -------------------------------------------------------------------------

RUN_SUFFIX = ".run.json"
RUN_FORMAT = 1


def run_file_of(output: Path) -> Path:
    """The run file beside ``output``: ``decisions.jsonl`` → ``decisions.jsonl.run.json``."""
    return output.with_name(output.name + RUN_SUFFIX)


def check_run(
    output: Path, settings: dict[str, Any], has_records: bool, lines: Path | None = None
) -> None:
    """Hold a resumed batch to the options and input its output was started with.

    ``settings`` are what decides a record: ruleset, ``as_of``, backend, format, and the hash of
    every ruleset file that can be in force. ``lines`` is the JSON Lines file read, if the input
    is one: its keys are line numbers, so the lines already read must not change (lines added at
    the end may). An output without records gets a new run file; an output with records must have
    one that says the same (RC801 names each difference, RC802 says the run file is missing or
    unreadable). Call with the output's lock held.
    """
    run = run_file_of(output)
    if not has_records:
        _write_run(run, settings, None if lines is None else _lines_print(lines)[0])
        return
    try:
        raw = run.read_bytes()
    except FileNotFoundError:
        raise InputError([_unknown_run(output, run, "没有", "there is no")]) from None
    except OSError as exc:
        raise InputError([_unknown_run(output, run, "无法读取", f"cannot read ({exc})")]) from None
    loaded, diags = load_text(raw, str(run))
    found = loaded.data if loaded is not None and not diags else None
    if not isinstance(found, dict) or found.get("rongcuo_batch_run") != RUN_FORMAT:
        raise InputError([_unknown_run(output, run, "无法识别", "cannot recognise")])
    assert loaded is not None
    problems = [
        _differs(run, output, loaded.positions.at((key,)), key, found.get(key), want)
        for key, want in settings.items()
        if found.get(key) != want
    ]
    was = found.get("input")
    read = was.get("bytes") if isinstance(was, dict) else None
    now, head = (None, None) if lines is None else _lines_print(lines, read)
    if not _still_starts(lines, was, head):
        problems.append(_input_changed(run, output, loaded.positions.at(("input",)), was, lines))
    if problems:
        raise InputError(problems)
    if now is not None:  # the lines read from now on are those of the file as it is
        _write_run(run, settings, now)


def _lines_print(path: Path, prefix: object = None) -> tuple[dict[str, Any], str | None]:
    """Size and SHA-256 of ``path``, and, in the same pass, the SHA-256 of its first ``prefix``
    bytes (None when ``prefix`` is not a byte count or the file is shorter)."""
    digest = hashlib.sha256()
    done = 0
    stop = prefix if isinstance(prefix, int) and not isinstance(prefix, bool) else -1
    head = digest.hexdigest() if stop == 0 else None
    with path.open("rb") as f:
        while block := f.read(min(1 << 20, stop - done) if done < stop else 1 << 20):
            digest.update(block)
            done += len(block)
            if done == stop:
                head = digest.hexdigest()
    return {"file": path.name, "bytes": done, "sha256": digest.hexdigest()}, head


def _still_starts(lines: Path | None, was: Any, head: str | None) -> bool:
    """Whether the input is of the kind it was and, for JSON Lines, still begins with the bytes
    read before (``head``: the hash of as many bytes of it now)."""
    if lines is None or was is None:
        return lines is None and was is None
    return head is not None and isinstance(was, dict) and head == was.get("sha256")


def _input_changed(
    run: Path, output: Path, where: Location, was: Any, lines: Path | None
) -> Diagnostic:
    if lines is not None and was is not None:
        zh = (
            f"输入文件 {lines} 中已读过的行被改动（只可在末尾追加）；键是行号，改动后会指向别的案件"
        )
        en = (
            f"the lines already read from {lines} have changed (lines may only be added at the "
            "end); keys are line numbers, so they would now mean other cases"
        )
    else:
        zh, en = "输入的种类与上次不同（JSON Lines 文件与其他输入）", "the kind of input differs"
    return Diagnostic(
        "RC801",
        where,
        f"续跑的输入与写出 {output} 中已有结果时不同：{zh}",
        f"this run's input differs from the one that wrote the records in {output}: {en}",
        f"恢复原来的输入，或换一个 -o；要全部重算，删去 {output} 与 {run.name} "
        f"restore the input, or use another -o; to start over, delete both files",
    )


def _write_run(run: Path, settings: dict[str, Any], lines: dict[str, Any] | None) -> None:
    content = {"rongcuo_batch_run": RUN_FORMAT, **settings, "input": lines}
    _write_atomically(run, json.dumps(content, ensure_ascii=False, indent=2) + "\n")


def _differs(run: Path, output: Path, where: Location, key: str, was: Any, now: Any) -> Diagnostic:
    if isinstance(was, dict) and isinstance(now, dict):  # the ruleset files: name the changed
        changed = sorted(k for k in was.keys() | now.keys() if was.get(k) != now.get(k))
        zh = f"规则集文件已修改、新增或删除：{'、'.join(changed)}"
        en = f"ruleset files changed, added or removed: {', '.join(changed)}"
    else:
        zh = f"{key} 原为 {_shown(was, '未指定')}，本次为 {_shown(now, '未指定')}"
        en = f"{key} was {_shown(was, 'not given')}, now {_shown(now, 'not given')}"
    return Diagnostic(
        "RC801",
        where,
        f"续跑的设置与写出 {output} 中已有结果时不同：{zh}",
        f"this run differs from the one that wrote the records in {output}: {en}",
        f"用原来的设置续跑，或换一个 -o；要全部重算，删去 {output} 与 {run.name} "
        f"resume with the same settings, or use another -o; to start over, delete both files",
    )


def _unknown_run(output: Path, run: Path, zh: str, en: str) -> Diagnostic:
    return Diagnostic(
        "RC802",
        Location(str(output)),
        f"{output} 已有结果，但{zh}记录其设置的 {run.name}，无法确认续跑的设置与之相同",
        f"{output} holds records but {en} {run.name} recording how they were made, so this run "
        "cannot be checked against them",
        f"恢复 {run.name}，或换一个 -o；要全部重算，删去 {output} "
        f"restore {run.name}, or use another -o; to start over, delete {output}",
    )


def _shown(value: Any, absent: str) -> str:
    return absent if value is None else json.dumps(value, ensure_ascii=False)


def _write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
