import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { TrainingMetricName } from '../../shared/training';
import type { MetricRow } from './training-series';

const titles: Record<TrainingMetricName, string> = {
  loss: 'Loss',
  mse: 'MSE',
  l1: 'L1',
  l0: 'L0 (active features a token)',
  deadFraction: 'Dead fraction',
};

const tick = (value: number): string =>
  Math.abs(value) >= 1000 || (Math.abs(value) < 0.01 && value !== 0)
    ? value.toExponential(1)
    : String(Number(value.toPrecision(3)));

/** One training metric over steps; rows without the metric are skipped by the line. */
export function MetricChart({ name, rows }: { name: TrainingMetricName; rows: readonly MetricRow[] }) {
  const points = rows.filter((r) => r[name] !== undefined).length;
  return (
    <figure className="chart chart--small" data-testid={`metric-chart-${name}`} data-points={points}>
      <figcaption>{titles[name]}</figcaption>
      <ResponsiveContainer width="100%" height={170}>
        <LineChart data={rows as MetricRow[]} margin={{ top: 6, right: 12, bottom: 4, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis type="number" dataKey="step" domain={['dataMin', 'dataMax']} tickFormatter={tick} />
          <YAxis
            width={54}
            domain={name === 'deadFraction' ? [0, 1] : ['auto', 'auto']}
            tickFormatter={tick}
          />
          <Tooltip
            labelFormatter={(step) => `step ${String(step)}`}
            formatter={(value) => [typeof value === 'number' ? value.toPrecision(4) : '—', titles[name]]}
          />
          <Line
            type="linear"
            dataKey={name}
            stroke="#3b6ea5"
            strokeWidth={1.5}
            dot={false}
            connectNulls
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}
