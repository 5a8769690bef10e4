import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { formatTokens } from '../components/format';
import { accuracyAxis, type AccuracyPoint } from './accuracy-axis';

const percent = (value: number): string => `${Math.round(value * 100)}%`;

/** Task accuracy per checkpoint over tokens seen (log axis), with chance (50%) marked. */
export function AccuracyChart({ points }: { points: readonly AccuracyPoint[] }) {
  const axis = accuracyAxis(points);
  const tickLabel = (x: number): string =>
    axis.mode === 'log' ? formatTokens(x) : (points[Math.round(x) - 1]?.revision ?? '');
  return (
    <figure className="chart chart--wide" data-testid="accuracy-chart" data-axis={axis.mode}>
      <ResponsiveContainer width="100%" height={260}>
        <LineChart data={axis.data} margin={{ top: 8, right: 24, bottom: 24, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            type="number"
            dataKey="x"
            scale={axis.mode === 'log' ? 'log' : 'linear'}
            domain={axis.domain}
            ticks={axis.ticks}
            tickFormatter={tickLabel}
            allowDataOverflow
            label={{
              value: axis.mode === 'log' ? 'tokens seen (log scale)' : 'checkpoint (in order)',
              position: 'insideBottom',
              offset: -12,
            }}
          />
          <YAxis
            domain={[0, 1]}
            ticks={[0, 0.25, 0.5, 0.75, 1]}
            tickFormatter={percent}
            label={{ value: 'accuracy', angle: -90, position: 'insideLeft' }}
          />
          <ReferenceLine y={0.5} stroke="#999" strokeDasharray="4 4" />
          <Tooltip
            labelFormatter={(_, payload) => {
              const p = payload[0]?.payload as (AccuracyPoint & { x: number }) | undefined;
              return p ? `${p.revision} · ${formatTokens(p.tokensSeen)} tokens` : '';
            }}
            formatter={(value) => [typeof value === 'number' ? percent(value) : '—', 'accuracy']}
          />
          <Line
            type="monotone"
            dataKey="accuracy"
            stroke="#3b6ea5"
            strokeWidth={2}
            dot={{ r: 4 }}
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
      {axis.note && (
        <figcaption className="muted" data-testid="accuracy-chart-note">
          {axis.note}
        </figcaption>
      )}
    </figure>
  );
}
