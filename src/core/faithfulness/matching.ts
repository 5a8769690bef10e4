import { assignDense, assignSparse, uncertifiedRows, type CandidateGraph } from './assignment';

// Optimal one-to-one matching of two sets of feature directions by cosine (issue 12: reordered
// checkpoints, seeds, independent SAEs). Legend: N, M = rows of the two sets, D = width, C = checkpoints.
//
// Method (`auto`): dense shortest augmenting paths (assignment.ts, O(N²·M), exact) while N·M ≤
// `denseMaxCells` (4096², 64 MiB of float32 weights). Above that, sparse: each row keeps its `topK` best
// columns (O(N·k) memory) and the sparse solver runs on those edges; then column generation: a cheap
// dual bound (assignment.ts `uncertifiedRows`) picks the rows whose left-out edges might matter, their
// full rows are recomputed, every left-out edge that violates the duals is added, and the problem is
// solved again, until no edge violates (the matching is then provably optimal for the full matrix) or
// `maxRefinements` rounds have passed. `isExact` says which (always true for dense). The similarity
// matrix costs O(N·M·D) either way, plus O(M·D) per suspect row and round, and dominates at crosscoder
// scale (F = 16384); `SimilaritySource` lets a caller plug a faster kernel (tf / native sgemm).
//
// Threshold: a pair counts as matched at similarity ≥ 0.7, the cutoff used for SAE features shared
// across seeds by Paulo & Belrose, "Sparse Autoencoders Trained on the Same Data Learn Different
// Features" (arXiv 2501.16615), who also match by optimal assignment on decoder cosines.

/** Slack allowed in the dual checks (weights are float32 cosines). */
const certificateTolerance = 1e-6;

/** A similarity matrix [rows, cols] computed a block of rows at a time (never stored whole when sparse). */
export interface SimilaritySource {
  readonly rows: number;
  readonly cols: number;
  /** Writes rows start ≤ r < end into out[(r − start)·cols + c]. */
  fill(start: number, end: number, out: Float32Array): void;
}

export interface MatchOptions {
  /** A pair counts as matched when its similarity is ≥ this (default 0.7, see the header). */
  threshold?: number;
  method?: 'auto' | 'dense' | 'sparse';
  /** `auto` uses the dense solver up to this many rows × cols. */
  denseMaxCells?: number;
  /** Sparse: candidates kept per row at first. */
  topK?: number;
  /** Sparse: rounds of adding violating edges and solving again. */
  maxRefinements?: number;
}

export interface MatchPair {
  row: number;
  col: number;
  similarity: number;
}

export interface MatchResult {
  rows: number;
  cols: number;
  /** Every formed pair (similarity > 0), ascending by row. */
  pairs: MatchPair[];
  threshold: number;
  /** Pairs with similarity ≥ threshold. */
  matched: number;
  /** matched / min(rows, cols); null when either set is empty. */
  shareMatched: number | null;
  /** Σ similarity over the formed pairs: the quantity maximised. */
  totalSimilarity: number;
  method: 'dense' | 'sparse';
  /** Optimal for the full matrix (dense always; sparse when the dual certificate holds for every row). */
  isExact: boolean;
  /** Sparse: rows with violating left-out edges after the last round (0 when exact). */
  uncertifiedRows: number;
}

export const defaultMatchThreshold = 0.7;
const defaults = { denseMaxCells: 4096 * 4096, topK: 16, maxRefinements: 8 };

/** Rows of a block that fit in about 32 MiB of float32. */
const blockRows = (cols: number): number => Math.max(1, Math.floor((8 << 20) / Math.max(1, cols)));

/**
 * Maximum total similarity one-to-one matching (pairs of similarity ≤ 0 are never formed, so a row with
 * nothing positive stays unmatched; zero vectors, whose similarity is 0 everywhere, never match).
 */
export function matchBySimilarity(src: SimilaritySource, options: MatchOptions = {}): MatchResult {
  const threshold = options.threshold ?? defaultMatchThreshold;
  const { rows: n, cols: m } = src;
  const isDense =
    options.method === 'dense' ||
    (options.method !== 'sparse' && n * m <= (options.denseMaxCells ?? defaults.denseMaxCells));
  const colOfRow = new Int32Array(n).fill(-1);
  const weightOfRow = new Float32Array(n);
  let uncertified = 0;
  if (n > 0 && m > 0 && isDense) {
    const sim_NM = new Float32Array(n * m);
    src.fill(0, n, sim_NM);
    colOfRow.set(assignDense(sim_NM, n, m).colOfRow);
    colOfRow.forEach((j, i) => (weightOfRow[i] = j < 0 ? 0 : sim_NM[i * m + j]!));
  } else if (n > 0 && m > 0) {
    const sparse = solveSparse(
      src,
      options.topK ?? defaults.topK,
      options.maxRefinements ?? defaults.maxRefinements,
    );
    colOfRow.set(sparse.colOfRow);
    weightOfRow.set(sparse.weightOfRow);
    uncertified = sparse.uncertified;
  }
  const pairs: MatchPair[] = [];
  colOfRow.forEach((col, row) => {
    const similarity = weightOfRow[row]!;
    if (col >= 0 && similarity > 0) pairs.push({ row, col, similarity });
  });
  const matched = pairs.filter((p) => p.similarity >= threshold).length;
  return {
    rows: n,
    cols: m,
    pairs,
    threshold,
    matched,
    shareMatched: Math.min(n, m) === 0 ? null : matched / Math.min(n, m),
    totalSimilarity: pairs.reduce((a, p) => a + p.similarity, 0),
    method: isDense ? 'dense' : 'sparse',
    isExact: uncertified === 0,
    uncertifiedRows: uncertified,
  };
}

interface RowCandidates {
  col: Int32Array;
  weight: Float32Array;
  /** Largest similarity left out of the list (−Infinity when none is). */
  nextBest: number;
}

/** The k largest positive entries of one row (descending), and the largest one left out. */
function topOfRow(row: Float32Array, offset: number, m: number, k: number): RowCandidates {
  const col: number[] = [];
  const weight: number[] = [];
  let nextBest = -Infinity;
  for (let j = 0; j < m; j++) {
    const s = row[offset + j]!;
    if (!(s > 0)) continue;
    if (col.length === k && s <= weight[k - 1]!) {
      nextBest = Math.max(nextBest, s);
      continue;
    }
    if (col.length === k) {
      nextBest = Math.max(nextBest, weight[k - 1]!);
      col.pop();
      weight.pop();
    }
    let p = col.length;
    while (p > 0 && weight[p - 1]! < s) p--;
    col.splice(p, 0, j);
    weight.splice(p, 0, s);
  }
  return { col: Int32Array.from(col), weight: Float32Array.from(weight), nextBest };
}

/**
 * Top-k lists, then column generation: rows that fail the cheap certificate (assignment.ts) have their
 * full row recomputed and every left-out edge that violates the duals (w_ij > −u_i − v_j) added; solve
 * again until no row violates (exact) or `maxRefinements` rounds have passed.
 */
function solveSparse(
  src: SimilaritySource,
  topK: number,
  maxRefinements: number,
): { colOfRow: Int32Array; weightOfRow: Float32Array; uncertified: number } {
  const { rows: n, cols: m } = src;
  const lists: RowCandidates[] = new Array<RowCandidates>(n);
  const k = Math.max(1, Math.min(topK, m));
  const step = blockRows(m);
  const block = new Float32Array(Math.min(step, n) * m);
  for (let start = 0; start < n; start += step) {
    const end = Math.min(n, start + step);
    src.fill(start, end, block);
    for (let i = start; i < end; i++) lists[i] = topOfRow(block, (i - start) * m, m, k);
  }
  const row = new Float32Array(m);
  const isListed = new Uint8Array(m);
  for (let round = 0; ; round++) {
    const a = assignSparse(toGraph(lists, m));
    const suspects = uncertifiedRows(
      a,
      Float64Array.from(lists, (l) => l.nextBest),
    );
    let violating = 0;
    for (const i of suspects) {
      src.fill(i, i + 1, row);
      const list = lists[i]!;
      // Widen the list to its 4× longest top (so that the cheap bound passes next time) ...
      const wider = topOfRow(row, 0, m, Math.min(m, 4 * list.col.length));
      isListed.fill(0);
      const cols = [...new Set([...list.col, ...wider.col])];
      for (const j of cols) isListed[j] = 1;
      // ... and add every edge left out that violates the duals (it could improve the matching).
      let nextBest = -Infinity;
      let hasViolation = false;
      for (let j = 0; j < m; j++) {
        const s = row[j]!;
        if (!(s > 0)) continue;
        const isViolation = s > -a.u[i]! - a.v[j]! + certificateTolerance;
        if (isListed[j]) {
          if (isViolation && !list.col.includes(j)) hasViolation = true;
          continue;
        }
        if (isViolation) {
          hasViolation = true;
          cols.push(j);
        } else nextBest = Math.max(nextBest, s);
      }
      if (hasViolation) violating++;
      lists[i] = { col: Int32Array.from(cols), weight: Float32Array.from(cols, (j) => row[j]!), nextBest };
    }
    if (violating === 0)
      return { colOfRow: a.colOfRow, weightOfRow: weightsOf(a.colOfRow, lists), uncertified: 0 };
    if (round >= maxRefinements) {
      return { colOfRow: a.colOfRow, weightOfRow: weightsOf(a.colOfRow, lists), uncertified: violating };
    }
  }
}

/** The weight of each row's matched edge (always on its list), 0 when unmatched. */
function weightsOf(colOfRow: Int32Array, lists: readonly RowCandidates[]): Float32Array {
  return Float32Array.from(colOfRow, (j, i) => {
    if (j < 0) return 0;
    const list = lists[i]!;
    return list.weight[list.col.indexOf(j)] ?? 0;
  });
}

function toGraph(lists: readonly RowCandidates[], m: number): CandidateGraph {
  const start = new Int32Array(lists.length + 1);
  lists.forEach((l, i) => (start[i + 1] = start[i]! + l.col.length));
  const col = new Int32Array(start[lists.length]!);
  const weight = new Float32Array(col.length);
  lists.forEach((l, i) => {
    col.set(l.col, start[i]!);
    weight.set(l.weight, start[i]!);
  });
  return { rows: lists.length, cols: m, start, col, weight };
}

/** Unit rows of a [n, d] matrix (zero rows stay zero). */
export function normaliseRows(x_ND: Float32Array, d: number): Float32Array {
  if (d <= 0 || x_ND.length % d !== 0) throw new Error(`a matrix of ${x_ND.length} values is not [n, ${d}]`);
  const out = new Float32Array(x_ND.length);
  for (let o = 0; o < x_ND.length; o += d) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x_ND[o + j]! ** 2;
    if (s === 0 || !Number.isFinite(s)) continue;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < d; j++) out[o + j] = x_ND[o + j]! * inv;
  }
  return out;
}

/** out[(i − start)·nB + j] = ⟨a_i, b_j⟩ over `width` values (plain JS, four columns at a time). */
export function dotBlock(
  a: Float32Array,
  b: Float32Array,
  width: number,
  start: number,
  end: number,
  out: Float32Array,
): void {
  const nB = b.length / width;
  for (let i = start; i < end; i++) {
    const ao = i * width;
    const oo = (i - start) * nB;
    let j = 0;
    for (; j + 3 < nB; j += 4) {
      const b0 = j * width;
      const b1 = b0 + width;
      const b2 = b1 + width;
      const b3 = b2 + width;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let t = 0; t < width; t++) {
        const x = a[ao + t]!;
        s0 += x * b[b0 + t]!;
        s1 += x * b[b1 + t]!;
        s2 += x * b[b2 + t]!;
        s3 += x * b[b3 + t]!;
      }
      out[oo + j] = s0;
      out[oo + j + 1] = s1;
      out[oo + j + 2] = s2;
      out[oo + j + 3] = s3;
    }
    for (; j < nB; j++) {
      let s = 0;
      for (let t = 0; t < width; t++) s += a[ao + t]! * b[j * width + t]!;
      out[oo + j] = s;
    }
  }
}

/** Cosine similarity between the rows of a_ND and b_MD (zero vectors: 0 against everything). */
export function cosineSimilarity(a_ND: Float32Array, b_MD: Float32Array, d: number): SimilaritySource {
  const a = normaliseRows(a_ND, d);
  const b = normaliseRows(b_MD, d);
  return {
    rows: a.length / d,
    cols: b.length / d,
    fill: (start, end, out) => dotBlock(a, b, d, start, end, out),
  };
}

/** Optimal one-to-one matching of two direction sets [n, d] and [m, d] by cosine. */
export function matchDirections(
  a_ND: Float32Array,
  b_MD: Float32Array,
  d: number,
  options: MatchOptions = {},
): MatchResult {
  return matchBySimilarity(cosineSimilarity(a_ND, b_MD, d), options);
}
