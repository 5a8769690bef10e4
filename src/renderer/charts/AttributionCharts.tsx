import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Scatter,
  ScatterChart,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { LifecycleCategoryName } from '../../shared/lifecycle';
import type { SelectedFeature } from './attribution-view';

const categoryColors: Record<LifecycleCategoryName, string> = {
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

/** RelIE against RelDec of the same checkpoint: features on the diagonal act where they decode. */
export function RelIeRelDecScatter({ features, label }: { features: SelectedFeature[]; label: string }) {
  const points = features
    .filter((f) => f.relIEShare !== null && f.relDecShare !== null)
    .map((f) => ({ relIE: f.relIEShare!, relDec: f.relDecShare!, feature: f.feature, category: f.category }));
  const groups = [...new Set(points.map((p) => p.category))];
  return (
    <figure className="chart" data-testid="attribution-scatter" data-points={points.length}>
      <figcaption>RelIE × RelDec ({label})</figcaption>
      <ResponsiveContainer width="100%" height={240}>
        <ScatterChart margin={{ top: 8, right: 16, bottom: 24, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis
            type="number"
            dataKey="relDec"
            name="RelDec"
            domain={[0, 1]}
            label={{ value: 'RelDec', position: 'insideBottom', offset: -12 }}
          />
          <YAxis type="number" dataKey="relIE" name="RelIE" domain={[0, 1]} />
          <Tooltip cursor={{ strokeDasharray: '3 3' }} />
          <Legend verticalAlign="top" />
          {groups.map((g) => (
            <Scatter
              key={g}
              name={g}
              data={points.filter((p) => p.category === g)}
              fill={categoryColors[g]}
              isAnimationActive={false}
            />
          ))}
        </ScatterChart>
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
