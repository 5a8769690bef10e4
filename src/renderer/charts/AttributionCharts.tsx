import type { ComponentType } from 'react';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { LifecycleCategoryName } from '../../shared/lifecycle';
import type { FeatureTimeline, TimelinePoint } from './attribution-view';

export const categoryColors: Record<LifecycleCategoryName, string> = {
  emerged: '#2f7d4f',
  'emerged-mid': '#2f7d4f',
  'emerged-late': '#7bbf6a',
  maintained: '#3b6ea5',
  discontinued: '#c0503a',
  'transient-gap': '#d08b2c',
  other: '#888888',
  undefined: '#bbbbbb',
};

export function CategoryChart({ counts }: { counts: Array<{ category: string; count: number }> }) {
  return (
    <figure className="chart" data-testid="attribution-categories" data-bars={counts.length}>
      <figcaption>Selected features per lifecycle category</figcaption>
      <ResponsiveContainer width="100%" height={240}>
        <BarChart data={counts} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="category"
            interval={0}
            angle={-30}
            textAnchor="end"
            height={64}
            tick={{ fontSize: 11 }}
          />
          <YAxis allowDecimals={false} />
          <Tooltip />
          <Bar dataKey="count" fill="#3b6ea5" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}

export function SensitivityChart({
  rows,
}: {
  rows: Array<{ shift: number; low: number | null; high: number | null }>;
}) {
  return (
    <figure className="chart" data-testid="attribution-sensitivity">
      <figcaption>Features changing category when a threshold moves</figcaption>
      <ResponsiveContainer width="100%" height={240}>
        <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 24, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="shift"
            type="number"
            domain={[-0.05, 0.05]}
            ticks={[-0.05, 0, 0.05]}
            label={{ value: 'threshold shift', position: 'insideBottom', offset: -12 }}
          />
          <YAxis allowDecimals={false} />
          <Tooltip />
          <Legend verticalAlign="top" />
          <Line dataKey="low" name="low" stroke="#c0503a" isAnimationActive={false} connectNulls />
          <Line dataKey="high" name="high" stroke="#3b6ea5" isAnimationActive={false} connectNulls />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

const compactTokens = (n: number): string =>
  n >= 1e9
    ? `${+(n / 1e9).toPrecision(3)}B`
    : n >= 1e6
      ? `${+(n / 1e6).toPrecision(3)}M`
      : n >= 1e3
        ? `${+(n / 1e3).toPrecision(3)}k`
        : `${n}`;

/** One small chart of a feature's timeline: one value per checkpoint over tokens seen (or order). */
function TimelineChart({ timeline, dataKey, title, color, testId, domain }: TimelinePlotProps) {
  const isLog = timeline.axis === 'tokens';
  const xs = timeline.points.map((p) => p.x);
  const label = (x: number): string =>
    isLog ? compactTokens(x) : (timeline.points.find((p) => p.x === x)?.revision ?? String(x));
  const drawn = timeline.points.filter((p) => p[dataKey] !== null).length;
  return (
    <figure className="chart" data-testid={testId} data-points={drawn}>
      <figcaption>{title}</figcaption>
      <ResponsiveContainer width="100%" height={180}>
        <LineChart data={timeline.points} margin={{ top: 8, right: 16, bottom: 24, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            dataKey="x"
            type="number"
            scale={isLog ? 'log' : 'linear'}
            domain={isLog ? [Math.min(...xs), Math.max(...xs)] : [1, Math.max(...xs)]}
            ticks={xs}
            tickFormatter={label}
            allowDataOverflow
            padding={{ left: 12, right: 16 }}
            label={{
              value: isLog ? 'tokens seen (log)' : 'checkpoint',
              position: 'insideBottom',
              offset: -12,
            }}
          />
          <YAxis domain={domain ?? ['auto', 'auto']} tick={{ fontSize: 11 }} width={56} />
          <Tooltip labelFormatter={(x) => label(Number(x))} />
          <Line dataKey={dataKey} stroke={color} isAnimationActive={false} connectNulls dot={{ r: 4 }} />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

export interface TimelinePlotProps {
  timeline: FeatureTimeline;
  dataKey: keyof Pick<TimelinePoint, 'ie' | 'relIE' | 'decoderNorm'>;
  title: string;
  color: string;
  testId: string;
  domain?: [number, number];
}

/**
 * A feature's lifecycle: signed IE, RelIE share and decoder norm per checkpoint, each drawn by `Plot`
 * (recharts here; plain SVG on the Features page, where switches must be fast).
 */
export function TimelineSet({
  timeline,
  Plot,
}: {
  timeline: FeatureTimeline;
  Plot: ComponentType<TimelinePlotProps>;
}) {
  const hasNorms = timeline.points.some((p) => p.decoderNorm !== null);
  return (
    <div className="chart-grid">
      <Plot timeline={timeline} dataKey="ie" title="Signed IE" color="#3b6ea5" testId="timeline-ie" />
      <Plot
        timeline={timeline}
        dataKey="relIE"
        title="RelIE share"
        color={categoryColors[timeline.category]}
        testId="timeline-relie"
        domain={[0, 1]}
      />
      {hasNorms ? (
        <Plot
          timeline={timeline}
          dataKey="decoderNorm"
          title="Decoder norm ‖W_dec‖"
          color="#d08b2c"
          testId="timeline-decnorm"
        />
      ) : (
        <p className="muted" data-testid="timeline-no-norms">
          This result kept no decoder norms; attribute again to see them.
        </p>
      )}
    </div>
  );
}

export function FeatureTimelineCharts({ timeline }: { timeline: FeatureTimeline }) {
  return <TimelineSet timeline={timeline} Plot={TimelineChart} />;
}
