import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

export interface GflopsPoint {
  size: number;
  gflopsPerSecond: number;
}

/** Matmul throughput per size, from a self-test result. */
export function GflopsChart({ rows }: { rows: readonly GflopsPoint[] }) {
  const data = rows.map((r) => ({ label: `${r.size}²`, gflops: Number(r.gflopsPerSecond.toFixed(2)) }));
  return (
    <div className="chart" data-testid="gflops-chart">
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis dataKey="label" />
          <YAxis label={{ value: 'GFLOP/s', angle: -90, position: 'insideLeft' }} />
          <Tooltip />
          <Bar dataKey="gflops" name="GFLOP/s" fill="#3b6ea5" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
