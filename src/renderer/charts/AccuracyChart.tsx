import {
  CartesianGrid,
  Legend,
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

/** One line per language: `accuracy[i]` belongs to `points[i]`. */
export interface AccuracySeries {
  /** ISO 639-3 code (the legend also names the language). */
  language: string;
  label: string;
  accuracy: readonly (number | null)[];
}

const seriesColours = ['#c0392b', '#27ae60', '#8e44ad', '#d68910', '#16a085', '#2c3e50', '#e84393'];
const seriesKey = (language: string): string => `lang_${language}`;

/**
 * Task accuracy per checkpoint over tokens seen (log axis), with chance (50%) marked; with `series`, a
 * line per language beside the overall one.
 */
export function AccuracyChart({
  points,
  series = [],
}: {
  points: readonly AccuracyPoint[];
  series?: readonly AccuracySeries[];
}) {
  const axis = accuracyAxis(points);
  const data = axis.data.map((d, i) => {
    const row: Record<string, unknown> = { ...d };
    for (const s of series) row[seriesKey(s.language)] = s.accuracy[i] ?? null;
    return row;
  });
  const tickLabel = (x: number): string =>
    axis.mode === 'log' ? formatTokens(x) : (points[Math.round(x) - 1]?.revision ?? '');
  return (
    <figure
      className="chart chart--wide"
      data-testid="accuracy-chart"
      data-axis={axis.mode}
      data-languages={series.map((s) => s.language).join(',')}
    >
      <ResponsiveContainer width="100%" height={series.length > 0 ? 300 : 260}>
        <LineChart data={data} margin={{ top: 8, right: 24, bottom: 24, left: 8 }}>
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
            formatter={(value, name) => [
              typeof value === 'number' ? percent(value) : '—',
              typeof name === 'string' ? name : 'accuracy',
            ]}
          />
          {series.length > 0 && <Legend verticalAlign="top" height={24} />}
          <Line
            type="monotone"
            dataKey="accuracy"
            name={series.length > 0 ? 'all pairs' : 'accuracy'}
            stroke="#3b6ea5"
            strokeWidth={2}
            strokeDasharray={series.length > 0 ? '6 3' : undefined}
            dot={{ r: 4 }}
            isAnimationActive={false}
          />
          {series.map((s, i) => (
            <Line
              key={s.language}
              type="monotone"
              dataKey={seriesKey(s.language)}
              name={s.label}
              stroke={seriesColours[i % seriesColours.length]}
              strokeWidth={2}
              dot={{ r: 3 }}
              connectNulls
              isAnimationActive={false}
            />
          ))}
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
