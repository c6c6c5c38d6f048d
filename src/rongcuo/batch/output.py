"""Batch output: the JSON Lines file of records, appended exactly once across crashes and
re-runs, and the run file beside it that records the options the records were made with.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any, get_args

from rongcuo.decision.model import OutcomeId
from rongcuo.errors import Diagnostic, InputError, Location, RongcuoError
from rongcuo.files import cannot_write, check_file, sync_folder, write_file
from rongcuo.ruleset.document import load_text

SYNC_EVERY = 100  # records between fsyncs: a power cut loses at most these, and they re-run
_OUTCOMES = frozenset(get_args(OutcomeId))
_SUMMARY_KEYS = frozenset({"key", "case_id", "outcome"})
_FULL_KEYS = _SUMMARY_KEYS | {"decision"}
_RECORD_START = b'{"key":'  # how every record we write begins


class ResultLog:
    """The output file: the keys already written, and appends never torn nor repeated.

    Opened (never through a symbolic link, only a regular file) with ``O_APPEND`` under an
    exclusive ``flock``; a record is one ``os.write`` of a whole line; ``fsync`` every
    ``sync_every`` records and on close. Opening reads every line in full and changes nothing:
    a line that is not a complete record is an error naming it (RC803, RC804), except a torn
    last line, which :meth:`repair` cuts off once the caller knows the file is a batch output.
    """

    def __init__(self, path: Path, sync_every: int = SYNC_EVERY) -> None:
        self.path, self.sync_every, self._unsynced = path, sync_every, 0
        check_file(path)  # a folder, a link, a device, a read-only place: RC305–RC308
        created = not path.exists()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            flags = os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW | os.O_NONBLOCK
            self._fd = os.open(path, flags, 0o644)
        except OSError as exc:  # e.g. replaced by a link or a FIFO since the check
            raise cannot_write(path, exc) from None
        if not stat.S_ISREG(os.fstat(self._fd).st_mode):
            os.close(self._fd)
            check_file(path)  # names what it has become
            raise cannot_write(path, OSError(0, "not a regular file"))
        os.set_blocking(self._fd, True)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            raise RongcuoError(
                f"{path}：另一个批量任务正在写入 another batch is writing it"
            ) from None
        if created:  # make the new directory entry durable too
            sync_folder(path.parent)
        #: key → outcome (None for an error record) of each record already in the file
        self.done: dict[str, str | None] = {}
        #: where a torn last line starts (a crash in the middle of a write), None when none
        self.torn: int | None = None
        #: bytes cut off the end by :meth:`repair` (0 when none)
        self.repaired = 0
        try:
            self._size = self._scan()
        except BaseException:
            os.close(self._fd)
            self._fd = -1
            raise

    @property
    def has_lines(self) -> bool:
        """Whether the file holds anything: records, or a torn line left by a crash."""
        return bool(self.done) or self.torn is not None

    def _scan(self) -> int:
        offset, bad = 0, None  # bad: (number, start, raw) of a line that is not a record
        with open(self._fd, "rb", closefd=False) as f:
            for number, raw in enumerate(f, 1):
                if bad is not None:  # a line that is not a record, and not the last one
                    raise InputError([self._damaged(*bad)])
                found = record_of(raw)
                if found is None:
                    bad = (number, offset, raw)
                elif found[0] not in self.done:
                    self.done[found[0]] = found[1]
                offset += len(raw)
        if bad is not None:
            if not _torn(bad[2]):
                raise InputError([self._damaged(*bad)])
            self.torn = bad[1]
        return offset

    def _damaged(self, number: int, start: int, raw: bytes) -> Diagnostic:
        del start
        if not self.done and not raw.lstrip(b"\0 \t").startswith(_RECORD_START):
            return _not_an_output(str(self.path), number)
        return _damaged_record(str(self.path), number)

    def repair(self) -> None:
        """Cut off a torn last line, so that its case runs again. Call once the file is known
        to be this batch's output (its run file matches)."""
        if self.torn is None:
            return
        os.ftruncate(self._fd, self.torn)
        os.fsync(self._fd)
        self.repaired, self.torn = self._size - self.torn, None

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


def record_of(raw: bytes) -> tuple[str, str | None] | None:
    """(key, outcome — None for an error record) of ``raw`` when it is one complete record line
    as :class:`~rongcuo.batch.run.CaseRunner` writes it, else None.

    Every line is parsed in full: a record damaged in the middle (a bit flipped, a line cut and
    joined, an edit) must not count as done just because its head looks right.
    """
    if not raw.endswith(b"\n"):
        return None
    try:
        data = json.loads(raw)
    except ValueError:  # includes UnicodeDecodeError
        return None
    if not isinstance(data, dict) or not isinstance(key := data.get("key"), str):
        return None
    if "error" in data:
        errors = data["error"]
        if data.keys() != {"key", "error"} or not isinstance(errors, list):
            return None
        if not all(isinstance(e, dict) and isinstance(e.get("code"), str) for e in errors):
            return None
        return key, None
    outcome, case_id = data.get("outcome"), data.get("case_id")
    if data.keys() not in (_SUMMARY_KEYS, _FULL_KEYS) or not isinstance(case_id, str):
        return None
    if not isinstance(outcome, str) or outcome not in _OUTCOMES:
        return None
    if "decision" in data:  # the full record: its decision must be of this case and outcome
        decision = data["decision"]
        case = decision.get("case") if isinstance(decision, dict) else None
        if not isinstance(case, dict) or case.get("id") != case_id:
            return None
        if decision.get("outcome") != outcome or not isinstance(case.get("content_hash"), str):
            return None
    return key, outcome


def _torn(raw: bytes) -> bool:
    """Whether the last line can be what a crash leaves of a record being written: a start of
    a record without its newline, or zeroes a filesystem left after a power cut (alone, or
    around a start of a record). Anything else is not ours to cut off."""
    if raw.endswith(b"\n") and b"\0" not in raw:
        return False
    body = raw.strip(b"\0").rstrip(b"\n").rstrip(b"\0")
    return body.startswith(_RECORD_START) or _RECORD_START.startswith(body)


def _not_an_output(path: str, line: int) -> Diagnostic:
    return Diagnostic(
        "RC803",
        Location(path, line, 1),
        f"{path} 不是 rongcuo batch 的结果文件（第 {line} 行不是结果记录），为免毁掉它，不写入也不截断",
        f"{path} is not a rongcuo batch output (line {line} is not a record); it is neither "
        "written nor truncated",
        "-o 是否指错了文件？另选一个结果文件 is -o the right file? give another output",
    )


def _damaged_record(path: str, line: int) -> Diagnostic:
    return Diagnostic(
        "RC804",
        Location(path, line, 1),
        f"第 {line} 行不是完整的结果记录（已损坏或被改动；只有最后一行可能是中断写入的残行）",
        f"line {line} is not a complete record (damaged or edited; only the last line may be "
        "torn by a crash)",
        f"删去这一行（sed -i '{line}d' {path}）再运行，该案件会重新认定，其余记录保留 "
        "delete that line and run again: its case is decided again, the other records stay",
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
    write_file(run, (json.dumps(content, ensure_ascii=False, indent=2) + "\n").encode())


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
