// Maximum-weight one-to-one matching (the linear assignment problem) by shortest augmenting paths with
// dual potentials (Jonker & Volgenant 1987; the rectangular form of D. F. Crouse, "On implementing 2D
// rectangular assignment algorithms", IEEE Trans. Aerospace and Electronic Systems 52(4), 2016, which is
// also what scipy.optimize.linear_sum_assignment implements).
//
// Weights are clipped at 0 and a pair of weight ≤ 0 is never formed: the result is the maximum-weight
// *partial* matching, every row matched to at most one column and every column to at most one row.
// - Dense: an [n, m] weight matrix; O(n²·m) time worst case (n ≤ m after an internal transpose),
//   O(n·m) memory. Exact.
// - Sparse: per-row candidate lists (CSR) plus a private "unmatched" column of weight 0 per row, Dijkstra
//   with a binary heap over the columns an augmenting path can reach; O(n·E·log E) worst case for E
//   candidate edges, close to O(E·log E) when most rows get one of their first choices. Exact on the
//   candidate graph; whether it is also optimal on the full graph is decided by the dual certificate in
//   `certifySparse` (matching.ts uses it to widen the candidate lists of rows that fail).
//
// Both keep potentials u (rows) and v (columns) with reduced costs c_ij − u_i − v_j ≥ 0 on every edge
// (c = −w) and = 0 on matched edges; v_j ≤ 0, and v_j = 0 on unmatched columns. These duals are returned
// so that optimality can be checked independently (test/unit/faithfulness/assignment.test.ts does).

export interface Assignment {
  /** Column matched to each row, −1 when the row is unmatched. */
  colOfRow: Int32Array;
  /** Dual potentials (see the header): rows and real columns. */
  u: Float64Array;
  v: Float64Array;
}

/**
 * Dense solver on weights `w_NM` (row-major [n, m], any sign; clipped at 0 internally).
 * Returns the matching and duals for the clipped weights.
 */
export function assignDense(w_NM: Float32Array | Float64Array, n: number, m: number): Assignment {
  if (w_NM.length !== n * m) throw new Error(`weights have ${w_NM.length} values, expected ${n}×${m}`);
  if (n > m) {
    // Crouse's form needs rows ≤ columns: solve the transpose and swap the roles back.
    const t = new Float32Array(n * m);
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) t[j * n + i] = w_NM[i * m + j]!;
    const tr = assignDense(t, m, n);
    const colOfRow = new Int32Array(n).fill(-1);
    tr.colOfRow.forEach((row, col) => {
      if (row >= 0) colOfRow[row] = col;
    });
    return { colOfRow, u: tr.v, v: tr.u };
  }
  const u = new Float64Array(n);
  const v = new Float64Array(m);
  const colOfRow = new Int32Array(n).fill(-1);
  const rowOfCol = new Int32Array(m).fill(-1);
  const dist = new Float64Array(m);
  const path = new Int32Array(m);
  const remaining = new Int32Array(m);
  const scannedRow = new Uint8Array(n);
  const scannedCol = new Uint8Array(m);
  const cost = (i: number, j: number): number => {
    const x = w_NM[i * m + j]!;
    return x > 0 ? -x : 0;
  };
  for (let cur = 0; cur < n; cur++) {
    dist.fill(Infinity);
    scannedRow.fill(0);
    scannedCol.fill(0);
    for (let k = 0; k < m; k++) remaining[k] = m - 1 - k;
    let left = m;
    let minVal = 0;
    let sink = -1;
    let i = cur;
    while (sink === -1) {
      scannedRow[i] = 1;
      let best = -1;
      let lowest = Infinity;
      for (let k = 0; k < left; k++) {
        const j = remaining[k]!;
        const r = minVal + cost(i, j) - u[i]! - v[j]!;
        if (r < dist[j]!) {
          dist[j] = r;
          path[j] = i;
        }
        // On equal distance prefer a free column: the path ends sooner.
        if (dist[j]! < lowest || (dist[j] === lowest && rowOfCol[j] === -1)) {
          lowest = dist[j]!;
          best = k;
        }
      }
      minVal = lowest;
      const j = remaining[best]!;
      scannedCol[j] = 1;
      remaining[best] = remaining[--left]!;
      if (rowOfCol[j] === -1) sink = j;
      else i = rowOfCol[j]!;
    }
    u[cur]! += minVal;
    for (let r = 0; r < n; r++) if (scannedRow[r] && r !== cur) u[r]! += minVal - dist[colOfRow[r]!]!;
    for (let j = 0; j < m; j++) if (scannedCol[j]) v[j]! -= minVal - dist[j]!;
    augment(sink, cur, path, rowOfCol, colOfRow);
  }
  // Pairs of clipped weight 0 are "unmatched" (as good as leaving both free).
  for (let r = 0; r < n; r++) {
    const c = colOfRow[r]!;
    if (c >= 0 && !(w_NM[r * m + c]! > 0)) {
      colOfRow[r] = -1;
    }
  }
  return { colOfRow, u, v };
}

function augment(
  sink: number,
  cur: number,
  path: Int32Array,
  rowOfCol: Int32Array,
  colOfRow: Int32Array,
): void {
  let j = sink;
  for (;;) {
    const i = path[j]!;
    rowOfCol[j] = i;
    const previous = colOfRow[i]!;
    colOfRow[i] = j;
    if (i === cur) break;
    j = previous;
  }
}

/** Candidate edges in compressed sparse rows: row i's columns are `cols[start[i] .. start[i+1])`. */
export interface CandidateGraph {
  rows: number;
  cols: number;
  start: Int32Array;
  col: Int32Array;
  weight: Float32Array;
}

/**
 * Sparse solver. Columns m..m+n−1 are the rows' private "unmatched" columns (weight 0), so every row has
 * a path and the problem is always feasible. Candidate weights ≤ 0 are ignored.
 */
export function assignSparse(g: CandidateGraph): Assignment {
  const { rows: n, cols: m } = g;
  const total = m + n;
  const u = new Float64Array(n);
  const v = new Float64Array(total);
  const colOfRow = new Int32Array(n).fill(-1);
  const rowOfCol = new Int32Array(total).fill(-1);
  const dist = new Float64Array(total);
  const path = new Int32Array(total);
  // Stamps instead of clearing O(m) arrays per row: dist is valid when seen[j] === stamp.
  const seen = new Int32Array(total).fill(-1);
  const scanned = new Int32Array(total).fill(-1);
  const heap = new DistanceHeap();
  const scannedRows: number[] = [];
  const scannedCols: number[] = [];
  for (let cur = 0; cur < n; cur++) {
    heap.clear();
    scannedRows.length = 0;
    scannedCols.length = 0;
    let minVal = 0;
    let sink = -1;
    let i = cur;
    const relax = (row: number, j: number, c: number): void => {
      if (scanned[j] === cur) return;
      const r = minVal + c - u[row]! - v[j]!;
      if (seen[j] !== cur || r < dist[j]!) {
        seen[j] = cur;
        dist[j] = r;
        path[j] = row;
        heap.push(r, j, rowOfCol[j] === -1);
      }
    };
    while (sink === -1) {
      scannedRows.push(i);
      for (let e = g.start[i]!; e < g.start[i + 1]!; e++) {
        const w = g.weight[e]!;
        if (w > 0) relax(i, g.col[e]!, -w);
      }
      relax(i, m + i, 0);
      let j = -1;
      while (heap.size > 0) {
        const top = heap.pop();
        if (scanned[top.col] !== cur && seen[top.col] === cur && top.dist === dist[top.col]) {
          j = top.col;
          break;
        }
      }
      if (j === -1)
        throw new Error('assignment: no augmenting path (cannot happen: every row has its own free column)');
      minVal = dist[j]!;
      scanned[j] = cur;
      scannedCols.push(j);
      if (rowOfCol[j] === -1) sink = j;
      else i = rowOfCol[j]!;
    }
    u[cur]! += minVal;
    for (const r of scannedRows) if (r !== cur) u[r]! += minVal - dist[colOfRow[r]!]!;
    for (const j of scannedCols) v[j]! -= minVal - dist[j]!;
    augment(sink, cur, path, rowOfCol, colOfRow);
  }
  for (let r = 0; r < n; r++) if (colOfRow[r]! >= m) colOfRow[r] = -1;
  return { colOfRow, u, v: v.slice(0, m) };
}

/**
 * Rows whose dual constraints could fail for an edge outside their candidate list, i.e. where the
 * sparse optimum is not proven optimal for the full weight matrix. Every edge (i, j) outside row i's
 * list has weight ≤ `nextBest[i]` (the largest weight the list left out, −Infinity when the list is
 * complete), so u_i + max_j v_j ≤ −nextBest[i] (within `tolerance`) proves all of them at once.
 * An empty result certifies that the matching is optimal for the full matrix.
 */
export function uncertifiedRows(a: Assignment, nextBest: Float64Array, tolerance = 1e-6): number[] {
  let vMax = 0; // free columns have v = 0 and v ≤ 0 everywhere; 0 is a safe upper bound.
  for (const x of a.v) vMax = Math.max(vMax, x);
  const out: number[] = [];
  for (let i = 0; i < a.u.length; i++) {
    const next = nextBest[i]!;
    if (next > 0 && a.u[i]! + vMax > -next + tolerance) out.push(i);
  }
  return out;
}

/** A binary min-heap of (distance, column); on equal distance free columns come first. */
class DistanceHeap {
  private dist: number[] = [];
  private col: number[] = [];
  private free: boolean[] = [];

  get size(): number {
    return this.dist.length;
  }

  clear(): void {
    this.dist.length = 0;
    this.col.length = 0;
    this.free.length = 0;
  }

  private less(a: number, b: number): boolean {
    const da = this.dist[a]!;
    const db = this.dist[b]!;
    return da < db || (da === db && this.free[a]! && !this.free[b]!);
  }

  private swap(a: number, b: number): void {
    [this.dist[a], this.dist[b]] = [this.dist[b]!, this.dist[a]!];
    [this.col[a], this.col[b]] = [this.col[b]!, this.col[a]!];
    [this.free[a], this.free[b]] = [this.free[b]!, this.free[a]!];
  }

  push(dist: number, col: number, isFree: boolean): void {
    this.dist.push(dist);
    this.col.push(col);
    this.free.push(isFree);
    let k = this.dist.length - 1;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (!this.less(k, parent)) break;
      this.swap(k, parent);
      k = parent;
    }
  }

  pop(): { dist: number; col: number } {
    const top = { dist: this.dist[0]!, col: this.col[0]! };
    const last = this.dist.length - 1;
    this.swap(0, last);
    this.dist.pop();
    this.col.pop();
    this.free.pop();
    let k = 0;
    for (;;) {
      const l = 2 * k + 1;
      const r = l + 1;
      let smallest = k;
      if (l < this.dist.length && this.less(l, smallest)) smallest = l;
      if (r < this.dist.length && this.less(r, smallest)) smallest = r;
      if (smallest === k) break;
      this.swap(k, smallest);
      k = smallest;
    }
    return top;
  }
}
