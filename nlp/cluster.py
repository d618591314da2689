"""Story clustering core: MinHash signatures of script-folded text and incremental LSH assignment.

Pure functions and one in-memory engine; the archive (``archive/clusters.py``) loads and stores what the
engine works on. The pieces:

- **text**: the title plus the first ``max_words`` words of the body, folded with ``nlp.normalize.fold_text``
  (lowercase, Cyrillic → Latin, diacritics off), so a Cyrillic and a Latin copy give the same shingles.
  Copies agree most in the lead; outlets append their own tails (related links, "follow us", commentary).
- **signature**: datasketch ``MinHash`` over word ``shingle_words``-grams, stored as uint32 values.
- **candidates**: LSH banding; datasketch's own parameter routine picks bands × rows for the candidate
  threshold. The band tables are sorted numpy arrays rather than datasketch's ``MinHashLSH``, which took
  10.7 s and 971 MB for 101,000 signatures here against 0.9 s and 203 MB (``bench/bench_cluster.py``); the
  banding is the same.
- **verification**: estimated Jaccard (share of equal MinHash values) and, from the shingle counts, the
  estimated containment of the smaller text in the larger, with stricter rules for short texts and for two
  articles of the same outlet.
- **assignment**: articles, oldest first, join the best-matching cluster whose span lies within
  ``window_days`` of them, or start a new one. Clusters are never merged or split, so ids stay stable.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from datasketch import MinHash

from nlp.normalize import fold_text

LOGGER = logging.getLogger(__name__)

SECONDS_PER_DAY = 86_400.0
# Candidate pairs compared at once: two gathered signature arrays of this many rows are 10 MB, so the peak
# stays small however many candidates a batch of same-topic articles produces.
VERIFY_CHUNK_PAIRS = 10_000
# Odd 64-bit constant (splitmix64) for mixing a band's rows into one key; numpy uint64 products wrap.
_MIX = np.uint64(0x9E3779B97F4A7C15)


@dataclass(frozen=True, slots=True)
class ClusterOptions:
    """Every knob of near-duplicate detection, with the reason for its default."""

    num_perm: int = 128  # MinHash size: Jaccard estimate error about 0.044 at J = 0.5
    seed: int = 1
    shingle_words: int = 3  # word 3-grams: robust to a changed word, far apart for different stories
    max_words: int = 300  # title + lead region; tails (boilerplate, related links) are cut off
    min_words: int = 8  # fewer body words: no signature, the article stays a story of its own
    short_words: int = 40  # fewer body words: signed without the title, matched only near-exactly
    candidate_threshold: float = 0.3  # LSH tuned so pairs at J ≥ 0.5 are candidates with p > 0.99
    threshold: float = 0.5  # estimated Jaccard for two outlets' copies of one story
    containment: float = 0.8  # or: the smaller text (shingles) lies in the larger to this degree ...
    containment_floor: float = 0.3  # ... with at least this Jaccard (an agency piece inside a longer article)
    same_outlet_threshold: float = 0.8  # one outlet's two articles: re-posts only, not shared boilerplate
    short_threshold: float = 0.8  # a short text matches a near-exact copy ...
    short_containment: float = 0.9  # ... or a text it lies wholly inside (with Jaccard ≥ threshold)
    window_days: float = 7.0  # settings.tag.cluster_window_days

    @property
    def bands_rows(self) -> tuple[int, int]:
        """Bands × rows for the candidate threshold, weighted towards recall (misses cost 4× false candidates)."""
        return lsh_bands_rows(self.candidate_threshold, self.num_perm, 0.2, 0.8)

    @property
    def scheme(self) -> str:
        """Identifies how signatures were made; stored signatures of another scheme are recomputed."""
        return f"mh1-crc32-p{self.num_perm}-s{self.seed}-w{self.shingle_words}-m{self.max_words}-t{self.short_words}"


def lsh_bands_rows(threshold: float, num_perm: int, false_positive_weight: float,
                   false_negative_weight: float) -> tuple[int, int]:
    """The (bands, rows) with bands × rows ≤ num_perm minimising the weighted areas of false candidates below
    the threshold and of misses above it (the classic LSH tuning, as MinHashLSH does it).

    A pair with Jaccard s becomes a candidate with probability 1 − (1 − s^r)^b, a polynomial of degree b·r ≤
    num_perm, so Gauss–Legendre with num_perm/2 + 1 nodes integrates it exactly. Ties keep the first pair
    in (bands, rows) order.
    """
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 1)
    pairs = [(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)]
    bands = np.array([b for b, _ in pairs], dtype=np.float64)[:, None]
    rows = np.array([r for _, r in pairs], dtype=np.float64)[:, None]

    def integral(low: float, high: float, candidate: bool) -> np.ndarray:
        s = (high - low) / 2 * nodes + (high + low) / 2
        miss = (1.0 - s[None, :] ** rows) ** bands
        values = 1.0 - miss if candidate else miss
        return (values * weights[None, :]).sum(axis=1) * (high - low) / 2

    error = (false_positive_weight * integral(0.0, threshold, True)
             + false_negative_weight * integral(threshold, 1.0, False))
    return pairs[int(np.argmin(error))]


@dataclass(frozen=True, slots=True)
class Signature:
    """A text's MinHash values (uint32) and how many distinct shingles (and words) it had."""

    hashvalues: np.ndarray
    shingle_count: int
    word_count: int

    def to_blob(self) -> bytes:
        """Little-endian uint32 bytes, the form stored in ``article_signatures``."""
        return self.hashvalues.astype("<u4").tobytes()


def signature_words(title: str | None, text: str | None, options: ClusterOptions) -> list[str]:
    """Folded words the signature is made of: the title, then the body up to ``max_words`` words.

    A short body (under ``short_words``) is signed without its title: outlets rewrite headlines, and in a
    two-sentence item the headline would be a quarter of the shingles.
    """
    body = fold_text(text or "").split()[: options.max_words]
    if len(body) < options.short_words:
        return body
    return fold_text(title or "").split() + body
def shingles(words: Sequence[str], size: int) -> set[bytes]:
    """Distinct word n-grams as UTF-8 bytes; a text shorter than ``size`` words is one shingle."""
    if len(words) <= size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i:i + size]).encode() for i in range(len(words) - size + 1)}


class Signer:
    """Makes signatures; the permutations are drawn once, since drawing them dominates a small text's cost.

    Shingles are hashed with CRC-32 rather than datasketch's default SHA-1: half the signing time, and the
    random permutations do the mixing (Jaccard estimate RMSE 0.027 vs 0.029 for SHA-1 on 20,000 pairs).
    """

    def __init__(self, options: ClusterOptions):
        self.options = options
        self._permutations = MinHash(num_perm=options.num_perm, seed=options.seed).permutations

    def sign_words(self, words: Sequence[str]) -> Signature | None:
        """The signature of folded words (``word_count`` says if it is short), or None below ``min_words``."""
        if len(words) < self.options.min_words:
            return None
        grams = shingles(words, self.options.shingle_words)
        minhash = MinHash(num_perm=self.options.num_perm, seed=self.options.seed, hashfunc=zlib.crc32,
                          permutations=self._permutations)
        minhash.update_batch(list(grams))
        return Signature(minhash.hashvalues.astype(np.uint32), len(grams), len(words))

    def sign(self, title: str | None, text: str | None) -> Signature | None:
        """The signature of an article's title and body, or None when it is too short to compare."""
        return self.sign_words(signature_words(title, text, self.options))


def signature_from_blob(blob: bytes, shingle_count: int, word_count: int) -> Signature:
    """Rebuild a stored signature."""
    return Signature(np.frombuffer(bytes(blob), dtype="<u4").astype(np.uint32), shingle_count, word_count)


def band_keys(hashvalues: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One uint64 key per band for each signature row (``n × bands``): equal rows give equal keys."""
    values = np.asarray(hashvalues).reshape(len(hashvalues), -1)
    keys = np.empty((len(values), bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for band in range(bands):
            key = np.full(len(values), np.uint64(band + 1), dtype=np.uint64)
            for col in range(band * rows, (band + 1) * rows):
                # Column by column: widening the whole matrix to uint64 at once doubled the peak memory.
                key = (key ^ values[:, col].astype(np.uint64)) * _MIX
            keys[:, band] = key
    return keys


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise share of equal MinHash values of two ``n × num_perm`` arrays."""
    return (a == b).mean(axis=1)


def estimated_containment(jaccard: np.ndarray, count_a: np.ndarray, count_b: np.ndarray) -> np.ndarray:
    """|A∩B| / min(|A|, |B|), with |A∩B| = J(|A|+|B|)/(1+J) from the Jaccard estimate and the set sizes."""
    count_a = count_a.astype(np.float64)
    count_b = count_b.astype(np.float64)
    inter = jaccard * (count_a + count_b) / (1.0 + jaccard)
    return np.minimum(1.0, inter / np.maximum(1.0, np.minimum(count_a, count_b)))


def pair_matches(jaccard: np.ndarray, containment: np.ndarray, same_outlet: np.ndarray, short: np.ndarray,
                 options: ClusterOptions) -> np.ndarray:
    """Which candidate pairs are copies of one story (the verification rule, vectorised).

    Two outlets' texts: Jaccard ≥ ``threshold``, or one contained in the other (``containment``) with a
    Jaccard floor. One outlet's two texts: Jaccard ≥ ``same_outlet_threshold`` (its boilerplate is shared by
    all its articles). A short text: near-exact (``short_threshold``), or wholly inside the other (a copy
    with a sentence or a signature line added) with Jaccard ≥ ``threshold``.
    """
    cross = (jaccard >= options.threshold) | (
        (containment >= options.containment) & (jaccard >= options.containment_floor))
    short_ok = (jaccard >= options.short_threshold) | (
        (containment >= options.short_containment) & (jaccard >= options.threshold))
    matched = np.where(short, short_ok, cross)
    return np.where(same_outlet, jaccard >= options.same_outlet_threshold, matched)


# The engine ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Item:
    """An article to place: its id, outlet, time seen (epoch seconds) and signature (None: too short)."""

    article_id: int
    outlet: str
    seen: float
    signature: Signature | None


@dataclass(slots=True)
class Assignment:
    """Where an article went: its cluster (negative = new, to be created), and why."""

    article_id: int
    cluster_id: int
    new: bool
    score: float = 0.0  # estimated Jaccard with the best-matching member (0 for new clusters)


@dataclass(slots=True)
class ClusterSpan:
    """First and last time seen of a cluster, for the window rule."""

    first: float
    last: float


@dataclass
class Engine:
    """Known clustered articles (signatures, band tables, clusters' spans) and the assignment of new ones."""

    options: ClusterOptions
    ids: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    clusters: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    outlets: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))
    counts: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    words: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    values: np.ndarray | None = None
    keys: np.ndarray | None = None
    spans: dict[int, ClusterSpan] = field(default_factory=dict)
    outlet_codes: dict[str, int] = field(default_factory=dict)
    _order: list[np.ndarray] = field(default_factory=list)
    _sorted: list[np.ndarray] = field(default_factory=list)
    _next_temp: int = -1

    def __post_init__(self) -> None:
        self.bands, self.rows = self.options.bands_rows
        if self.values is None:
            self.values = np.empty((0, self.options.num_perm), dtype=np.uint32)
            self.keys = np.empty((0, self.bands), dtype=np.uint64)

    def __len__(self) -> int:
        return len(self.ids)

    # Loading ----------------------------------------------------------------------------------
    def _code(self, outlet: str) -> int:
        return self.outlet_codes.setdefault(outlet, len(self.outlet_codes))

    def add_members(self, article_ids: Sequence[int], cluster_ids: Sequence[int], outlets: Sequence[str],
                    signatures: Sequence[Signature]) -> None:
        """Add already clustered articles to the index (from the archive, or just assigned)."""
        if not len(article_ids):
            return
        values = np.vstack([s.hashvalues for s in signatures]).astype(np.uint32)
        self.ids = np.concatenate([self.ids, np.asarray(article_ids, dtype=np.int64)])
        self.clusters = np.concatenate([self.clusters, np.asarray(cluster_ids, dtype=np.int64)])
        self.outlets = np.concatenate([self.outlets, np.asarray([self._code(o) for o in outlets], dtype=np.int32)])
        self.counts = np.concatenate([self.counts, np.asarray([s.shingle_count for s in signatures], dtype=np.int64)])
        self.words = np.concatenate([self.words, np.asarray([s.word_count for s in signatures], dtype=np.int64)])
        self.values = np.vstack([self.values, values])
        self.keys = np.vstack([self.keys, band_keys(values, self.bands, self.rows)])
        self._reindex()

    def set_span(self, cluster_id: int, first: float, last: float) -> None:
        """Record (or widen) a cluster's first and last time seen."""
        span = self.spans.get(cluster_id)
        if span is None:
            self.spans[cluster_id] = ClusterSpan(first, last)
        else:
            span.first, span.last = min(span.first, first), max(span.last, last)

    def _reindex(self) -> None:
        """Sort each band's keys so candidates are found with one vectorised search per band."""
        self._order = [np.argsort(self.keys[:, b]) for b in range(self.bands)]
        self._sorted = [self.keys[order, b] for b, order in enumerate(self._order)]

    def rename_clusters(self, mapping: dict[int, int]) -> None:
        """Replace temporary (negative) cluster ids by the archive's ids once they are inserted."""
        if not mapping:
            return
        for temp, real in mapping.items():
            self.spans[real] = self.spans.pop(temp)
        lookup = np.vectorize(lambda c: mapping.get(int(c), int(c)), otypes=[np.int64])
        negative = self.clusters < 0
        if negative.any():
            self.clusters[negative] = lookup(self.clusters[negative])

    # Candidates -------------------------------------------------------------------------------
    def _known_pairs(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(new row, known row) pairs sharing a band key with an indexed article."""
        if not len(self.ids):
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        new_rows, known_rows = [], []
        for band in range(self.bands):
            lo = np.searchsorted(self._sorted[band], keys[:, band], side="left")
            hi = np.searchsorted(self._sorted[band], keys[:, band], side="right")
            hits = hi - lo
            if not hits.any():
                continue
            rows = np.repeat(np.arange(len(keys)), hits)
            starts = np.repeat(lo, hits)
            offsets = np.arange(hits.sum()) - np.repeat(np.cumsum(hits) - hits, hits)
            new_rows.append(rows)
            known_rows.append(self._order[band][starts + offsets])
        if not new_rows:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        return _unique_pairs(np.concatenate(new_rows), np.concatenate(known_rows))

    def _batch_pairs(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(later row, earlier row) pairs within the batch sharing a band key."""
        later, earlier = [], []
        for band in range(self.bands):
            order = np.argsort(keys[:, band], kind="stable")
            column = keys[order, band]
            # Equal keys are adjacent once sorted: pair each row with the rows d places on, while any match.
            distance = 1
            while distance < len(column):
                equal = np.flatnonzero(column[distance:] == column[:-distance])
                if not len(equal):
                    break
                a, b = order[equal], order[equal + distance]
                later.append(np.maximum(a, b))
                earlier.append(np.minimum(a, b))
                distance += 1
        if not later:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        return _unique_pairs(np.concatenate(later), np.concatenate(earlier))

    # Assignment -------------------------------------------------------------------------------
    def assign(self, items: Sequence[Item]) -> list[Assignment]:
        """Place items (processed oldest first) into existing or new clusters and index them."""
        items = sorted(items, key=lambda it: (it.seen, it.article_id))
        signed = [it for it in items if it.signature is not None]
        row_of = {it.article_id: row for row, it in enumerate(signed)}
        values = (np.vstack([it.signature.hashvalues for it in signed]).astype(np.uint32) if signed
                  else np.empty((0, self.options.num_perm), dtype=np.uint32))
        keys = band_keys(values, self.bands, self.rows)
        codes = np.asarray([self._code(it.outlet) for it in signed], dtype=np.int32)
        counts = np.asarray([it.signature.shingle_count for it in signed], dtype=np.int64)
        words = np.asarray([it.signature.word_count for it in signed], dtype=np.int64)

        known = self._verified(*self._known_pairs(keys), values, codes, counts, words, self.values,
                               self.outlets, self.counts, self.words)
        batch = self._verified(*self._batch_pairs(keys), values, codes, counts, words, values, codes, counts, words)
        known_by_row = _group(known)
        batch_by_row = _group(batch)

        assigned_rows: dict[int, int] = {}  # batch row → cluster id
        out: list[Assignment] = []
        window = self.options.window_days * SECONDS_PER_DAY
        for it in items:
            row = row_of.get(it.article_id)
            best: tuple[float, int] | None = None
            if row is not None:
                scored = [(score, int(self.clusters[k])) for k, score in known_by_row.get(row, ())]
                scored += [(score, assigned_rows[k]) for k, score in batch_by_row.get(row, ()) if k in assigned_rows]
                for score, cluster in scored:
                    span = self.spans.get(cluster)
                    if span is None or span.last < it.seen - window or span.first > it.seen + window:
                        continue
                    # Highest score wins; on a tie the older (lower, or earlier temporary) cluster.
                    if best is None or score > best[0] or (score == best[0] and _older(cluster, best[1])):
                        best = (score, cluster)
            if best is None:
                cluster, new, score = self._next_temp, True, 0.0
                self._next_temp -= 1
            else:
                (score, cluster), new = best, False
            self.set_span(cluster, it.seen, it.seen)
            if row is not None:
                assigned_rows[row] = cluster
            out.append(Assignment(it.article_id, cluster, new, float(score)))

        if signed:
            self.add_members([it.article_id for it in signed], [assigned_rows[r] for r in range(len(signed))],
                             [it.outlet for it in signed], [it.signature for it in signed])
        return out

    def _verified(self, rows_a: np.ndarray, rows_b: np.ndarray, values_a, outlets_a, counts_a, words_a,
                  values_b, outlets_b, counts_b, words_b) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Keep the candidate pairs that pass verification; returns (row a, row b, estimated Jaccard)."""
        if not len(rows_a):
            return rows_a, rows_b, np.empty(0)
        step = VERIFY_CHUNK_PAIRS
        jaccard = np.concatenate([estimated_jaccard(values_a[rows_a[s:s + step]], values_b[rows_b[s:s + step]])
                                  for s in range(0, len(rows_a), step)])
        containment = estimated_containment(jaccard, counts_a[rows_a], counts_b[rows_b])
        same_outlet = outlets_a[rows_a] == outlets_b[rows_b]
        short = (words_a[rows_a] < self.options.short_words) | (words_b[rows_b] < self.options.short_words)
        keep = pair_matches(jaccard, containment, same_outlet, short, self.options)
        return rows_a[keep], rows_b[keep], jaccard[keep]


def _older(a: int, b: int) -> bool:
    """Is cluster ``a`` older than ``b``? Archive ids grow; temporary ids (-1, -2, …) come after all of them."""
    if (a < 0) != (b < 0):
        return a > 0
    return a < b if a > 0 else a > b


def _unique_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (a, b) pairs (a pair usually collides in several bands), via one int64 key per pair."""
    width = int(b.max()) + 1 if len(b) else 1
    keys = np.unique(a.astype(np.int64) * width + b.astype(np.int64))
    return keys // width, keys % width


def _group(verified: tuple[np.ndarray, np.ndarray, np.ndarray]) -> dict[int, list[tuple[int, float]]]:
    """Matches of each row: row a → [(row b, score)]."""
    out: dict[int, list[tuple[int, float]]] = {}
    for a, b, score in zip(*(part.tolist() for part in verified)):
        out.setdefault(a, []).append((b, score))
    return out


# Convenience for evaluations and the benchmark -------------------------------------------------


def cluster_items(items: Iterable[Item], options: ClusterOptions, batch_size: int = 5000) -> dict[int, int]:
    """Cluster items from scratch in memory, in batches like the stage; returns article id → cluster label."""
    engine = Engine(options)
    ordered = sorted(items, key=lambda it: (it.seen, it.article_id))
    labels: dict[int, int] = {}
    next_id = 1
    for start in range(0, len(ordered), batch_size):
        assignments = engine.assign(ordered[start:start + batch_size])
        mapping = {}
        for a in assignments:
            if a.new and a.cluster_id not in mapping:
                mapping[a.cluster_id] = next_id
                next_id += 1
        engine.rename_clusters(mapping)
        labels.update({a.article_id: mapping.get(a.cluster_id, a.cluster_id) for a in assignments})
    return labels


def pairwise_scores(truth: dict[int, str], predicted: dict[int, int]) -> tuple[float, float]:
    """Pairwise precision and recall of a clustering against true story ids (same keys)."""
    from collections import Counter
    from math import comb

    def pairs(groups: Counter) -> int:
        return sum(comb(n, 2) for n in groups.values())

    true_pairs = pairs(Counter(truth.values()))
    predicted_pairs = pairs(Counter(predicted[k] for k in truth))
    both = pairs(Counter((truth[k], predicted[k]) for k in truth))
    precision = both / predicted_pairs if predicted_pairs else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    return precision, recall
