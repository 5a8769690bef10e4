import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { relDecRows } from './training-series';

const colors = ['#3b6ea5', '#d08b2c', '#2f7d4f'];

/**
 * Features per RelDec bin, one series per checkpoint: RelDec_m = ‖W_dec[i,m]‖ / Σ_m' ‖W_dec[i,m']‖, so a
 * feature near 1 for checkpoint m decodes mostly into m, near 1/M into all alike.
 */
export function RelDecHistogram({
  histogram,
  bins,
  labels,
}: {
  histogram: readonly (readonly number[])[];
  bins: number;
  labels: readonly string[];
}) {
  const rows = relDecRows(histogram, bins, labels);
  const keys = histogram.map((_, m) => labels[m] ?? `checkpoint ${m + 1}`);
  return (
    <figure className="chart chart--wide" data-testid="reldec-histogram" data-series={keys.length}>
      <figcaption>Relative decoder norm (RelDec) per checkpoint, {bins} bins</figcaption>
      <ResponsiveContainer width="100%" height={260}>
        <BarChart data={rows} margin={{ top: 8, right: 16, bottom: 24, left: 8 }} barGap={0}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="bin"
            interval={4}
            label={{ value: 'RelDec', position: 'insideBottom', offset: -12 }}
          />
          <YAxis allowDecimals={false} label={{ value: 'features', angle: -90, position: 'insideLeft' }} />
          <Tooltip labelFormatter={(bin) => `RelDec ≈ ${String(bin)}`} />
          <Legend verticalAlign="top" itemSorter={null} />
          {keys.map((key, m) => (
            <Bar key={key} dataKey={key} fill={colors[m % colors.length]} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
