"""A live leaderboard whose update costs the same however many participants there are.

Totals are multiples of the policy's step, so they fall into a fixed number of buckets
(a 100-point paper at step 0.5 has 201).  A Fenwick tree over the bucket counts answers "how
many are ahead of this total" in O(log buckets); an update moves one participant between two
buckets.  The bucket counts are the score histogram as well.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterator
from decimal import Decimal


class Leaderboard:
    def __init__(self, max_total: Decimal, step: Decimal = Decimal("0.5")):
        if step <= 0:
            raise ValueError("step must be positive")
        self.step = step
        self.max_total = max_total
        self.size = int(max_total / step) + 1
        self._tree = [0] * (self.size + 1)
        self._counts = [0] * self.size
        self._members: list[set[Hashable]] = [set() for _ in range(self.size)]
        self._bucket_of: dict[Hashable, int] = {}

    def _bucket(self, total: Decimal) -> int:
        index = int(total / self.step)
        return min(max(index, 0), self.size - 1)

    def _add(self, bucket: int, delta: int) -> None:
        self._counts[bucket] += delta
        index = bucket + 1
        while index <= self.size:
            self._tree[index] += delta
            index += index & -index

    def _prefix(self, bucket: int) -> int:
        """How many participants are in buckets 0..bucket."""
        total, index = 0, bucket + 1
        while index > 0:
            total += self._tree[index]
            index -= index & -index
        return total

    def __len__(self) -> int:
        return len(self._bucket_of)

    def set_total(self, who: Hashable, total: Decimal) -> None:
        """Record ``who``'s new total (adds them if new)."""
        bucket = self._bucket(total)
        old = self._bucket_of.get(who)
        if old == bucket:
            return
        if old is not None:
            self._add(old, -1)
            self._members[old].discard(who)
        self._add(bucket, 1)
        self._members[bucket].add(who)
        self._bucket_of[who] = bucket

    def remove(self, who: Hashable) -> None:
        old = self._bucket_of.pop(who, None)
        if old is not None:
            self._add(old, -1)
            self._members[old].discard(who)

    def rank(self, who: Hashable) -> int:
        """1 + how many have a higher total; equal totals share a rank."""
        bucket = self._bucket_of[who]
        return 1 + len(self) - self._prefix(bucket)

    def total(self, who: Hashable) -> Decimal:
        return self._bucket_of[who] * self.step

    def top(self, count: int) -> Iterator[tuple[int, Decimal, Hashable]]:
        """(rank, total, who) for the best ``count``, best first (ties in no set order)."""
        given = 0
        for bucket in range(self.size - 1, -1, -1):
            members = self._members[bucket]
            if not members:
                continue
            rank = given + 1
            for who in members:
                if given >= count:
                    return
                yield rank, bucket * self.step, who
                given += 1

    def histogram(self, bins: int = 10) -> list[int]:
        """Counts per equal-width range of totals, lowest range first; each range includes its
        lower bound, the last one the maximum too ([0, 10), [10, 20) ... [90, 100])."""
        counts = [0] * bins
        for bucket, count in enumerate(self._counts):
            if count:
                position = int(bucket * self.step * bins / self.max_total) if self.max_total else 0
                counts[min(bins - 1, position)] += count
        return counts
