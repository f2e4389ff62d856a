"""Passwords: the policy a new one must meet, argon2id hashing, and verification with a bounded cost.

Policy (``problem``): at least MIN_PASSWORD characters, not only whitespace, at least MIN_DISTINCT
different characters, neither the account name nor containing it (case-insensitive; names of
three characters or more), and not a common password: the list in db/vocab/common_passwords.txt
(compiled by the project), also with digits or symbols added before or after ("Password2024!"),
in leetspeak ("p@ssw0rd"), repeated ("passwordpassword") or a run along the keyboard, the alphabet
or the digits ("123456789012", "qwertyuiopas"). Long passphrases of ordinary words pass: length
is what makes a password hard to guess, not forced symbols.

Hashing is argon2id with argon2-cffi's defaults: each hash or verification fills 64 MiB. A
semaphore lets at most CONCURRENT_CHECKS of them run at once in a process, so a burst of parallel
login attempts queues instead of adding 64 MiB each; a request that waits longer than
WAIT_SECONDS is refused (``Busy``). Only the hash is stored; an unknown name costs a verification
against a dummy hash, so timing does not tell which names have accounts.

No database and no Streamlit here: db.auth applies the policy and stores the hashes.
"""

from __future__ import annotations

import hashlib
import string
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD = 12
MIN_DISTINCT = 5
CONCURRENT_CHECKS = 2
WAIT_SECONDS = 60.0
COMMON_FILE = Path(__file__).with_name("vocab") / "common_passwords.txt"
# Runs a person types without thinking; a password inside one (either direction) is refused.
SEQUENCES = (
    "0123456789" * 3, "abcdefghijklmnopqrstuvwxyz" * 2, "qwertyuiopasdfghjklzxcvbnm" * 2,
    "qwertzuiopasdfghjklyxcvbnm" * 2, "azertyuiopqsdfghjklmwxcvbn" * 2, "1q2w3e4r5t6y7u8i9o0p" * 2,
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p" * 2, "qazwsxedcrfvtgbyhnujmikolp" * 2,
)  # fmt: skip
# Leetspeak back to letters; '1' is read both as 'l' and as 'i'.
_LEET = (
    str.maketrans("0134579@$!+", "oleastgasit"),
    str.maketrans("0134579@$!+", "oieastgasit"),
)
_DECORATION = string.digits + string.punctuation + string.whitespace
_hasher = PasswordHasher()
_checks = threading.BoundedSemaphore(CONCURRENT_CHECKS)


class Busy(RuntimeError):
    """Every verification slot stayed taken for WAIT_SECONDS: the server is under a burst of logins."""


@cache
def common_passwords() -> frozenset[str]:
    """The list of common passwords (lower case), read once per process."""
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _variants(password: str) -> set[str]:
    """The password as a guesser would try it: lower case, without decoration, leetspeak undone."""
    low = password.lower()
    forms = {low, "".join(low.split())}
    for table in _LEET:
        forms.add(low.translate(table))
    forms |= {form.strip(_DECORATION) for form in list(forms)}
    forms |= {form.translate(table) for form in list(forms) for table in _LEET}
    return {form for form in forms if len(form) >= 4}


def _repeats_common(form: str, common: frozenset[str]) -> bool:
    """``form`` is a listed password written twice or more ('passwordpassword')."""
    size = len(form)
    return any(size % unit == 0 and form == form[:unit] * (size // unit) and form[:unit] in common
               for unit in range(4, size // 2 + 1))  # fmt: skip


def _in_sequence(form: str) -> bool:
    return len(form) >= 6 and any(form in run or form in run[::-1] for run in SEQUENCES)


def problem(password: str, name: str | None = None) -> str | None:
    """What makes ``password`` unfit for account ``name`` (a sentence saying what to do), or None."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        return (
            f"the password is too short: use at least {MIN_PASSWORD} characters (a few words make a good one)"
        )
    if not password.strip():
        return "the password is only spaces: use letters, digits or words"
    if len(set(password)) < MIN_DISTINCT:
        return f"the password repeats too few characters: use at least {MIN_DISTINCT} different ones"
    account = (name or "").strip().lower()
    if account and (password.lower() == account or (len(account) >= 3 and account in password.lower())):
        return "the password contains the account name: choose one that does not"
    common = common_passwords()
    for form in _variants(password):
        if form in common or _repeats_common(form, common) or _in_sequence(form):
            return "the password is too common (it is on the list of passwords tried first): choose another"
    return None


@contextmanager
def _slot() -> Iterator[None]:
    """Hold one of the CONCURRENT_CHECKS argon2 slots (each hash or verification fills 64 MiB)."""
    if not _checks.acquire(timeout=WAIT_SECONDS):
        raise Busy("the server is busy checking other logins; try again in a minute")
    try:
        yield
    finally:
        _checks.release()


def hash_password(password: str) -> str:
    """An argon2id hash ('$argon2id$...') of an already checked password."""
    with _slot():
        return _hasher.hash(password)


def verify(hashed: str, password: str) -> bool:
    """Whether ``password`` matches ``hashed`` (constant time; a malformed hash never matches)."""
    with _slot():
        try:
            return _hasher.verify(hashed, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def needs_rehash(hashed: str) -> bool:
    """The hash was made with weaker parameters than today's: store a new one at the next login."""
    try:
        return _hasher.check_needs_rehash(hashed)
    except (InvalidHashError, ValueError):
        return True


def stamp(hashed: str) -> str:
    """A short fingerprint of a stored hash (not of the password): a dashboard session keeps it and
    ends when it changes, so a reset password logs out the sessions opened with the old one."""
    return hashlib.sha256(hashed.encode()).hexdigest()[:16]


@cache
def dummy_hash() -> str:
    # Made on the first unknown-name login, not at import: every process that imports db (an
    # import's reader process too) would otherwise carry argon2's 64 MiB peak.
    return hash_password("not a password anyone has")
